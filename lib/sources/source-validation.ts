import { IssueCollector, ValidationError } from '../errors.js';
import { hostRefusal } from '../util/address-guard.js';
import { validatePushPolicy } from './push-policy-validation.js';
import { validateOrgIds, validatePushScope, validateUserFilter, type CheckUserFilter } from './scope-validation.js';
import type {
  CreateSourceInput,
  OrgResourceShape,
  PullSettings,
  PushAuth,
  PushSecretsInput,
  PushSettings,
  PushSettingsInput,
  SourceMode,
  SourceProtocol,
  UpdateSourceInput,
} from './source-types.js';

export const NAME_MAX = 64;
export const DESCRIPTION_MAX = 256;
const URL_MAX = 2048;
const SECRET_MAX = 4096;
const PUSH_AUTHS: readonly PushAuth[] = ['bearer', 'oauth2', 'basic'];
const ORG_SHAPES: readonly OrgResourceShape[] = ['organization', 'compat', 'group'];
const MODES: readonly SourceMode[] = ['push', 'pull'];

export interface BasicFields {
  name: string;
  description: string;
}

export function validateBasics(input: { name?: unknown; description?: unknown }, partial: boolean): Partial<BasicFields> {
  const issues = new IssueCollector();
  const result: Partial<BasicFields> = {};
  if (!partial || input.name !== undefined) {
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (input.name !== undefined && typeof input.name !== 'string') issues.add('name', 'type', 'name must be a string');
    else if (name === '') issues.add('name', 'required', 'name is required');
    else if ([...name].length > NAME_MAX) issues.add('name', 'too_long', `name must be at most ${NAME_MAX} characters`, { max: NAME_MAX });
    result.name = name;
  }
  if (!partial || input.description !== undefined) {
    if (input.description !== undefined && input.description !== null && typeof input.description !== 'string') {
      issues.add('description', 'type', 'description must be a string');
    }
    const description = typeof input.description === 'string' ? input.description.trim() : '';
    if ([...description].length > DESCRIPTION_MAX) {
      issues.add('description', 'too_long', `description must be at most ${DESCRIPTION_MAX} characters`, { max: DESCRIPTION_MAX });
    }
    result.description = description;
  }
  issues.throwIfAny();
  return result;
}

export function validateMode(input: CreateSourceInput): { mode: SourceMode; protocol: SourceProtocol } {
  const protocol = input.protocol ?? 'scim';
  if (protocol !== 'scim' && protocol !== 'ldap') throw ValidationError.single('protocol', 'unsupported', 'protocol must be "scim" or "ldap"');
  if (!MODES.includes(input.mode)) throw ValidationError.single('mode', 'required', 'mode must be "push" or "pull"');
  // The center reads nothing from an LDAP directory: LDAP is a destination only.
  if (protocol === 'ldap' && input.mode !== 'push') throw ValidationError.single('mode', 'ldap_push_only', 'an LDAP destination is a push source');
  return { mode: input.mode, protocol };
}

export function rejectModeChange(input: UpdateSourceInput & { mode?: unknown }, mode: SourceMode): void {
  if (input.mode !== undefined && input.mode !== mode) {
    throw ValidationError.single('mode', 'immutable', 'the acquisition mode cannot be changed after creation');
  }
  const other = mode === 'push' ? 'pull' : 'push';
  if (input[other] !== undefined) {
    throw ValidationError.single(other, 'wrong_mode', `a ${mode} source has no ${other} settings`);
  }
}

/** What the host lets push URLs be: `allowHttpPush` and `allowPrivatePush`. */
export interface PushUrlPolicy {
  allowHttp: boolean;
  allowPrivate: boolean;
}

/**
 * Push parameters merged over what is stored (`current`), with secrets checked for presence:
 * a secret left blank keeps the stored one, so `storedSecrets` says which exist already. A
 * stored secret is only ever sent to the origins it was saved for: settings that would send it
 * to another scheme, host or port need it entered again.
 */
export function validatePush(
  input: PushSettingsInput,
  current: PushSettings | null,
  storedSecrets: { token: boolean; clientSecret: boolean },
  urlPolicy: PushUrlPolicy,
  checkUserFilter?: CheckUserFilter,
): { settings: PushSettings; secrets: PushSecretsInput } {
  const issues = new IssueCollector();
  const merged = { ...current, ...definedOnly(input) };
  const auth = (merged.auth ?? 'bearer') as PushAuth;
  if (!PUSH_AUTHS.includes(auth)) issues.add('push.auth', 'invalid_choice', 'auth must be bearer, oauth2 or basic');
  const orgResource = (merged.orgResource ?? 'organization') as OrgResourceShape;
  if (!ORG_SHAPES.includes(orgResource)) issues.add('push.orgResource', 'invalid_choice', 'orgResource must be organization, compat or group');

  const userUrl = checkUrl(merged.userUrl, 'push.userUrl', true, urlPolicy, issues);
  const orgUrl = checkUrl(merged.orgUrl, 'push.orgUrl', false, urlPolicy, issues);
  const tokenUrl = checkUrl(merged.tokenUrl, 'push.tokenUrl', auth === 'oauth2', urlPolicy, issues);
  const clientId = issues.optionalText(merged.clientId, 'push.clientId', 255);
  if ((auth === 'oauth2' || auth === 'basic') && !clientId) issues.add('push.clientId', 'required', 'client ID is required for this authentication');

  const secrets: PushSecretsInput = {};
  const token = issues.optionalText(input.token, 'push.token', SECRET_MAX);
  const clientSecret = issues.optionalText(input.clientSecret, 'push.clientSecret', SECRET_MAX);
  if (token) secrets.token = token;
  if (clientSecret) secrets.clientSecret = clientSecret;
  if (auth === 'bearer' && !token && !storedSecrets.token) issues.add('push.token', 'required', 'a token is required for bearer authentication');
  if (auth !== 'bearer' && !clientSecret && !storedSecrets.clientSecret) {
    issues.add('push.clientSecret', 'required', 'a client secret is required for this authentication');
  }
  const next = { auth, userUrl, orgUrl, tokenUrl };
  if (auth === 'bearer' && !token && storedSecrets.token) checkSecretOrigins('token', next, current, issues);
  if (auth !== 'bearer' && !clientSecret && storedSecrets.clientSecret) checkSecretOrigins('clientSecret', next, current, issues);
  // Deprovisioning and matching merge per kind, so changing one kind keeps the other.
  const deprovision = input.deprovision && typeof input.deprovision === 'object' ? { ...current?.deprovision, ...input.deprovision } : merged.deprovision;
  const matching = input.matching && typeof input.matching === 'object' ? { ...current?.matching, ...input.matching } : merged.matching;
  const policy = validatePushPolicy({ ...merged, deprovision, matching }, (issue) => issues.issues.push(issue));
  const scope = validatePushScope(merged.scope, checkUserFilter, (issue) => issues.issues.push(issue));
  issues.throwIfAny();

  const settings: PushSettings = { auth, userUrl: userUrl!, orgResource, ...policy };
  if (orgUrl) settings.orgUrl = orgUrl;
  if (auth === 'oauth2') settings.tokenUrl = tokenUrl;
  if (auth !== 'bearer') settings.clientId = clientId;
  if (scope) settings.scope = scope;
  return { settings, secrets };
}

export function validatePull(input: Partial<PullSettings> | undefined, current: PullSettings | null, checkUserFilter?: CheckUserFilter): PullSettings {
  const issues = new IssueCollector();
  const add = (issue: (typeof issues.issues)[number]) => issues.issues.push(issue);
  const scopeOrgIds = validateOrgIds(input?.scopeOrgIds ?? current?.scopeOrgIds ?? [], 'pull.scopeOrgIds', add);
  const userFilter = validateUserFilter(input?.userFilter !== undefined ? input.userFilter : current?.userFilter, 'pull.userFilter', checkUserFilter, add);
  issues.throwIfAny();
  return userFilter ? { scopeOrgIds, userFilter } : { scopeOrgIds };
}

/** The fields that were given (an undefined one means "keep what is stored"). */
export function definedOnly<T extends object>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input ?? {}).filter(([, value]) => value !== undefined)) as Partial<T>;
}

type SecretKey = 'token' | 'clientSecret';
type Destinations = Pick<Partial<PushSettings>, 'auth' | 'userUrl' | 'orgUrl' | 'tokenUrl'>;

/**
 * The origins a secret goes to under these settings: a bearer token and a Basic password to the
 * User and Org URLs, an OAuth 2.0 client secret to the token URL only.
 */
function secretOrigins(key: SecretKey, settings: Destinations | null): string[] {
  if (!settings) return [];
  const urls =
    key === 'token'
      ? settings.auth === 'bearer' || settings.auth === undefined
        ? [settings.userUrl, settings.orgUrl]
        : []
      : settings.auth === 'basic'
        ? [settings.userUrl, settings.orgUrl]
        : settings.auth === 'oauth2'
          ? [settings.tokenUrl]
          : [];
  return urls.map(originOf).filter((origin): origin is string => origin !== undefined);
}

function checkSecretOrigins(key: SecretKey, next: Destinations, current: PushSettings | null, issues: IssueCollector): void {
  const savedFor = new Set(secretOrigins(key, current));
  const unsaved = secretOrigins(key, next).find((origin) => !savedFor.has(origin));
  if (unsaved === undefined) return;
  issues.add(
    `push.${key}`,
    'secret_new_origin',
    `the stored ${key === 'token' ? 'token' : 'client secret'} is only sent to the address it was saved for: enter it again to use it with ${unsaved}`,
    { origin: unsaved },
  );
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function checkUrl(value: unknown, field: string, required: boolean, urlPolicy: PushUrlPolicy, issues: IssueCollector): string | undefined {
  const { allowHttp } = urlPolicy;
  const url = issues.optionalText(value, field, URL_MAX);
  if (url === undefined) {
    if (required) issues.add(field, 'required', `${field} is required`);
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    issues.add(field, 'invalid_url', `${field} must be an absolute URL`);
    return undefined;
  }
  if (parsed.protocol !== 'https:' && !(allowHttp && parsed.protocol === 'http:')) {
    issues.add(field, allowHttp ? 'invalid_url' : 'https_only', allowHttp ? `${field} must be an http(s) URL` : `${field} must use https`);
  } else if (parsed.username || parsed.password) {
    issues.add(field, 'credentials_in_url', `${field} must not contain credentials; use the authentication fields`);
  } else if (parsed.hash) {
    issues.add(field, 'invalid_url', `${field} must not have a fragment`);
  } else {
    const refusal = hostRefusal(parsed, urlPolicy);
    if (refusal) issues.add(field, refusal.verdict.kind === 'special' ? 'address_not_allowed' : 'private_address', `${field}: ${refusal.message}`, { address: refusal.address });
  }
  return url.replace(/\/+$/, '');
}
