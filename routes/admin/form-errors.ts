import type { ValidationError } from '../../lib/errors.js';
import { CATALOGUES, type MessageKey, type Translate } from '../../lib/i18n/index.js';

/** Field name → translated message, shown next to the input of the same name. */
export type FieldErrors = Record<string, string>;

/**
 * Maps the service's issues (stable codes) onto the form: an issue whose field has an input on
 * the page goes next to it; any other (`source`, `push`, …) goes to the form's summary under `_form`.
 */
export function toFieldErrors(error: ValidationError, t: Translate, fieldsOnPage: readonly string[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    // A field may say its own sentence for a code (`validation.push.schedule.invalid_cron`), else the code's.
    const fieldKey = `validation.${issue.field}.${issue.code}`;
    const key = fieldKey in CATALOGUES.en ? fieldKey : `validation.${issue.code}`;
    const message = key in CATALOGUES.en ? t(key as MessageKey, issue.params) : t('validation.invalid');
    const field = fieldsOnPage.includes(issue.field) ? issue.field : '_form';
    errors[field] = errors[field] ? `${errors[field]} ${message}` : message;
  }
  return errors;
}

/** The label each known input shows, for the error summary's links; a field not listed is linked by its message alone. */
const FIELD_LABELS: Record<string, MessageKey> = {
  protocol: 'wizard.protocol.legend',
  name: 'field.name',
  description: 'field.description',
  mode: 'field.mode',
  'push.auth': 'field.auth',
  'push.token': 'field.token',
  'push.tokenUrl': 'field.tokenUrl',
  'push.clientId': 'field.clientId',
  'push.clientSecret': 'field.clientSecret',
  'push.userUrl': 'field.userUrl',
  'push.orgUrl': 'field.orgUrl',
  'push.orgResource': 'field.orgResource',
  'push.deprovision.users': 'policy.deprovision.users',
  'push.deprovision.orgs': 'policy.deprovision.orgs',
  'push.deletionThreshold.count': 'policy.threshold.count',
  'push.deletionThreshold.percent': 'policy.threshold.percent',
  'push.concurrency': 'policy.concurrency',
  'push.rateLimit': 'policy.rateLimit',
  'push.schedule': 'policy.schedule',
  'pull.scopeOrgIds': 'field.scope',
  'pull.userFilter': 'pull.userFilter.label',
  'push.scope.orgIds': 'scope.orgs.legend',
  'push.scope.userFilter': 'scope.filter.label',
  remoteId: 'links.relink.remoteId',
  'push.bindPassword': 'ldap.field.bindPassword',
  'push.ldap.profile': 'ldap.field.profile',
  'push.ldap.url': 'ldap.field.url',
  'push.ldap.tls': 'ldap.field.tls',
  'push.ldap.ca': 'ldap.field.ca',
  'push.ldap.bindDn': 'ldap.field.bindDn',
  'push.ldap.baseDn': 'ldap.field.baseDn',
  'push.ldap.orgsDn': 'ldap.field.orgsDn',
  'push.ldap.usersDn': 'ldap.field.usersDn',
  'push.ldap.userObjectClasses': 'ldap.field.userObjectClasses',
  'push.ldap.orgObjectClasses': 'ldap.field.orgObjectClasses',
  'push.ldap.userNamingAttribute': 'ldap.field.userNamingAttribute',
  'push.ldap.groups': 'ldap.field.groups',
  'push.ldap.disable': 'ldap.field.disable',
  'push.ldap.disable.mode': 'ldap.field.disable',
  'push.ldap.disable.attribute': 'ldap.field.disable.attribute',
  'push.ldap.disable.value': 'ldap.field.disable.value',
  'push.ldap.disable.dn': 'ldap.field.disable.dn',
  'push.ldap.matchBy': 'ldap.field.matchBy',
  'push.ldap.connections': 'ldap.field.connections',
  'push.ldap.timeoutMs': 'ldap.field.timeoutMs',
};

export function fieldLabel(t: Translate, name: string): string {
  const key = FIELD_LABELS[name];
  return key ? t(key) : '';
}

/** The id of a field's input (field.ejs builds the same), which the error summary links to. */
export function fieldId(name: string): string {
  return `f-${name.replace(/[^a-zA-Z0-9]/g, '-')}`;
}
