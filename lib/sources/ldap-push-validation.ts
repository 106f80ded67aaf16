import { IssueCollector, ValidationError, type FieldIssue } from '../errors.js';
import type { LdapSettings } from './ldap-destination.js';
import { validatePushPolicy } from './push-policy-validation.js';
import { validatePushScope, type CheckUserFilter } from './scope-validation.js';
import type { PushSecretsInput, PushSettings, PushSettingsInput } from './source-types.js';
import { definedOnly } from './source-validation.js';

/**
 * Validates an LDAP destination's connection settings and fills their defaults: the connector's
 * `validateLdapSettings`, injected by the center (sources may not import the connectors). Throws
 * a ValidationError whose fields are the settings' own names (`url`, `bindDn`, …).
 */
export type CheckLdapSettings = (input: Record<string, unknown>) => LdapSettings;

const SECRET_MAX = 1024;

/**
 * An LDAP push source's settings merged over what is stored: the connection (`push.ldap`, merged
 * field by field), the bind password (blank keeps the stored one, but only for the server it was
 * saved for), and the policy every push source has (deprovisioning, threshold, pace, schedule,
 * scope, mappings). The SCIM connection fields do not apply and are not stored.
 */
export function validateLdapPush(
  input: PushSettingsInput,
  current: PushSettings | null,
  storedPassword: boolean,
  checkLdap: CheckLdapSettings | undefined,
  checkUserFilter: CheckUserFilter | undefined,
): { settings: PushSettings; secrets: PushSecretsInput } {
  const issues = new IssueCollector();
  if (!checkLdap) throw ValidationError.single('protocol', 'unsupported', 'LDAP destinations are not available in this center');
  const entered = input.ldap ?? {};
  if (typeof entered !== 'object' || entered === null) throw ValidationError.single('push.ldap', 'type', 'ldap must be an object of LDAP settings');
  let ldap: LdapSettings | undefined;
  try {
    ldap = checkLdap({ ...current?.ldap, ...definedOnly(entered as Record<string, unknown>) });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    for (const issue of error.issues) issues.issues.push({ ...issue, field: `push.ldap.${issue.field}` });
  }

  const secrets: PushSecretsInput = {};
  const password = input.bindPassword;
  if (password !== undefined && password !== null && typeof password !== 'string') issues.add('push.bindPassword', 'type', 'bindPassword must be a string');
  else if (typeof password === 'string' && password.length > SECRET_MAX) issues.add('push.bindPassword', 'too_long', `bindPassword must be at most ${SECRET_MAX} characters`, { max: SECRET_MAX });
  else if (password) secrets.bindPassword = password;
  if (!secrets.bindPassword) {
    if (!storedPassword) issues.add('push.bindPassword', 'required', 'a bind password is required');
    // A stored password goes only to the server and account it was saved for.
    else if (ldap && current?.ldap && (serverOf(ldap.url) !== serverOf(current.ldap.url) || ldap.bindDn.toLowerCase() !== current.ldap.bindDn.toLowerCase())) {
      issues.add('push.bindPassword', 'secret_origin', 'the stored bind password is only sent to the server and bind DN it was saved for: enter it again', { origin: serverOf(ldap.url) });
    }
  }

  const merged = { ...current, ...definedOnly(input) };
  const deprovision = input.deprovision && typeof input.deprovision === 'object' ? { ...current?.deprovision, ...input.deprovision } : merged.deprovision;
  const { matching: _matching, ...policy } = validatePushPolicy({ ...merged, deprovision }, (issue: FieldIssue) => issues.issues.push(issue));
  const scope = validatePushScope(merged.scope, checkUserFilter, (issue) => issues.issues.push(issue));
  issues.throwIfAny();
  // userUrl and orgResource are SCIM's; an LDAP source keeps them empty so that code reading them finds nothing to send to.
  const settings: PushSettings = { auth: 'bearer', userUrl: '', orgResource: 'organization', ...policy, ldap: ldap! };
  if (scope) settings.scope = scope;
  return { settings, secrets };
}

/** `ldaps://dir.example.com:636` → `dir.example.com:636`, the scheme's port filled in. */
function serverOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || (parsed.protocol === 'ldaps:' ? '636' : '389')}`;
}
