import { SecretBoxError } from '../../lib/errors.js';
import type { CreateSourceInput, PushSecretsInput } from '../../lib/sources/source-types.js';
import type { SecretBox } from '../../lib/util/secret-box.js';
import { defaultPolicyValues, policyInput, PUSH_POLICY_FIELDS, readPolicyValues, type PushPolicyValues } from './push-form.js';

export const WIZARD_STEPS = ['protocol', 'basics', 'parameters'] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

/** The push connection fields shown on the parameters step (and on the source page), secrets excepted. */
export const PUSH_CONNECTION_FIELDS = ['auth', 'clientId', 'tokenUrl', 'userUrl', 'orgUrl', 'orgResource'] as const;
/** Every push field of the form: connection, then policy (deprovisioning, threshold, pace, schedule). */
export const PUSH_FIELDS = [...PUSH_CONNECTION_FIELDS, ...PUSH_POLICY_FIELDS] as const;
export type PushFieldValues = Record<(typeof PUSH_CONNECTION_FIELDS)[number], string> & PushPolicyValues;

/**
 * Everything the wizard has been told so far. It travels from step to step in the form itself
 * (hidden fields), so the wizard needs no session of the host's and keeps nothing on the server
 * until "Next: finish". Secrets never travel in clear: they ride in `sealed`, encrypted with the
 * center's SecretBox and bound to the admin, and the password inputs are always rendered empty.
 */
export interface WizardState {
  protocol: string;
  name: string;
  description: string;
  mode: string;
  push: PushFieldValues;
  scopeOrgIds: string[];
  secrets: PushSecretsInput;
}

const SEALED_TTL_MS = 60 * 60 * 1000;

export function readWizard(body: Record<string, unknown>, box: SecretBox, actor: string): WizardState {
  const carried = openSealed(body.sealed, box, actor);
  const token = str(body['push.token']);
  const clientSecret = str(body['push.clientSecret']);
  const secrets: PushSecretsInput = { ...carried };
  if (token.trim()) secrets.token = token;
  if (clientSecret.trim()) secrets.clientSecret = clientSecret;
  return {
    protocol: str(body.protocol) || 'scim',
    name: str(body.name),
    description: str(body.description),
    mode: str(body.mode),
    push: readPushValues(body, defaultPolicyValues()),
    scopeOrgIds: list(body['pull.scopeOrgIds']),
    secrets,
  };
}

export function emptyWizard(): WizardState {
  return {
    protocol: 'scim',
    name: '',
    description: '',
    mode: '',
    push: { auth: 'bearer', clientId: '', tokenUrl: '', userUrl: '', orgUrl: '', orgResource: 'organization', ...defaultPolicyValues() },
    scopeOrgIds: [],
    secrets: {},
  };
}

/** The hidden field that carries entered secrets to the next page; empty when there are none. */
export function sealSecrets(secrets: PushSecretsInput, box: SecretBox, actor: string): string {
  if (!secrets.token && !secrets.clientSecret) return '';
  return box.sealJson({ ...secrets, exp: Date.now() + SEALED_TTL_MS }, sealContext(actor));
}

export function toCreateInput(state: WizardState): CreateSourceInput {
  const mode = state.mode as CreateSourceInput['mode'];
  const input: CreateSourceInput = { name: state.name, description: state.description, protocol: 'scim', mode };
  if (mode === 'push') {
    input.push = {
      auth: (state.push.auth || 'bearer') as NonNullable<CreateSourceInput['push']>['auth'],
      clientId: state.push.clientId,
      tokenUrl: state.push.tokenUrl,
      userUrl: state.push.userUrl,
      orgUrl: state.push.orgUrl,
      orgResource: (state.push.orgResource || 'organization') as NonNullable<CreateSourceInput['push']>['orgResource'],
      ...policyInput(state.push),
      ...state.secrets,
    };
  }
  if (mode === 'pull') input.pull = { scopeOrgIds: state.scopeOrgIds };
  return input;
}

/** The push inputs of a posted form; a policy input the form did not send keeps `policyFallback`'s value. */
export function readPushValues(body: Record<string, unknown>, policyFallback: PushPolicyValues): PushFieldValues {
  const connection = Object.fromEntries(PUSH_CONNECTION_FIELDS.map((field) => [field, str(body[`push.${field}`])]));
  return { ...connection, ...readPolicyValues(body, policyFallback) } as PushFieldValues;
}

/** Which step holds a field, to show a creation error where the admin can fix it. */
export function stepOfField(field: string): WizardStep {
  if (field === 'name' || field === 'description') return 'basics';
  if (field === 'protocol') return 'protocol';
  return 'parameters';
}

function openSealed(value: unknown, box: SecretBox, actor: string): PushSecretsInput {
  if (typeof value !== 'string' || value === '') return {};
  try {
    const opened = box.openJson<PushSecretsInput & { exp?: number }>(value, sealContext(actor));
    if (!opened.exp || opened.exp < Date.now()) return {};
    const secrets: PushSecretsInput = {};
    if (typeof opened.token === 'string' && opened.token) secrets.token = opened.token;
    if (typeof opened.clientSecret === 'string' && opened.clientSecret) secrets.clientSecret = opened.clientSecret;
    return secrets;
  } catch (error) {
    // Tampered, expired key or someone else's: ask for the secret again rather than fail the page.
    if (error instanceof SecretBoxError || error instanceof SyntaxError) return {};
    throw error;
  }
}

function sealContext(actor: string): string {
  return `ssc-wizard:${actor}`;
}

function str(value: unknown): string {
  if (Array.isArray(value)) return str(value[value.length - 1]);
  return typeof value === 'string' ? value : '';
}

function list(value: unknown): string[] {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.filter((item): item is string => typeof item === 'string' && item.trim() !== '');
}
