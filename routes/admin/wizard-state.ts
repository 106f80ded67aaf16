import { SecretBoxError, type FieldIssue } from '../../lib/errors.js';
import type { CreateSourceInput, PushSecretsInput } from '../../lib/sources/source-types.js';
import type { ConnectionTestResult } from '../../lib/push/test-connection.js';
import type { SecretBox } from '../../lib/util/secret-box.js';
import { emptyLdapValues, ldapInput, postedBindPassword, readLdapValues, type LdapFieldValues } from './ldap-form.js';
import { defaultPolicyValues, policyInput, PUSH_POLICY_FIELDS, readPolicyValues, type PushPolicyValues } from './push-form.js';

/** The protocols the wizard offers; WeCom is named but not supported yet. */
export const WIZARD_PROTOCOLS = ['scim', 'ldap'] as const;

export const WIZARD_STEPS = ['protocol', 'basics', 'parameters'] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

/** The push connection fields shown on the parameters step (and on the source page), secrets excepted. */
export const PUSH_CONNECTION_FIELDS = ['auth', 'clientId', 'tokenUrl', 'userUrl', 'orgUrl', 'orgResource'] as const;
/** Every push field of the form: connection, then policy (deprovisioning, threshold, pace, schedule). */
export const PUSH_FIELDS = [...PUSH_CONNECTION_FIELDS, ...PUSH_POLICY_FIELDS] as const;
export type PushFieldValues = Record<(typeof PUSH_CONNECTION_FIELDS)[number], string> & PushPolicyValues;

/**
 * Everything the wizard has been told so far. It is kept in a draft (WizardDrafts) between the
 * steps: each step's POST stores it and redirects to the next step's GET, so the browser's Back
 * and reload never resubmit a form. Secrets are kept only inside the sealed draft and the
 * password inputs are always rendered empty.
 */
export interface WizardState {
  /** `scim` or `ldap` (an LDAP / AD destination, push only: its mode is set with the protocol). */
  protocol: string;
  name: string;
  description: string;
  /** '' until the admin has picked one: the parameters step then shows only the choice. */
  mode: string;
  push: PushFieldValues;
  /** An LDAP destination's connection inputs (drafts from before LDAP have none: see `ldapOf`). */
  ldap?: LdapFieldValues;
  scopeOrgIds: string[];
  secrets: PushSecretsInput;
}

/** A draft as stored: the state, and what the last POST has to say on the step it redirected to. */
export interface WizardDraft {
  state: WizardState;
  /** The issues of the step named, translated when that step's page is next shown (in the language of that GET). */
  errors?: { step: WizardStep; issues: FieldIssue[] };
  connectionTest?: ConnectionTestResult;
}

/** What a step's form says, laid over the state: only that step's fields change. */
export function applyStep(state: WizardState, step: WizardStep, body: Record<string, unknown>): WizardState {
  if (step === 'protocol') {
    const protocol = str(body.protocol) || 'scim';
    if (protocol === state.protocol) return state;
    // LDAP is a destination only: its mode is push, with no choice to make. Leaving it, the choice comes back.
    return { ...state, protocol, mode: protocol === 'ldap' ? 'push' : '' };
  }
  if (step === 'basics') return { ...state, name: str(body.name), description: str(body.description) };
  // The mode choice alone: its fields come on the next page.
  if (!state.mode) return { ...state, mode: str(body.mode) };
  if (state.mode === 'pull') return body['pull.scope'] === undefined ? state : { ...state, scopeOrgIds: list(body['pull.scopeOrgIds']) };
  const secrets: PushSecretsInput = { ...state.secrets };
  if (state.protocol === 'ldap') {
    const bindPassword = postedBindPassword(body);
    if (bindPassword) secrets.bindPassword = bindPassword;
    return { ...state, ldap: readLdapValues(body, ldapOf(state)), push: { ...state.push, ...readPolicyValues(body, state.push) }, secrets };
  }
  const token = str(body['push.token']);
  const clientSecret = str(body['push.clientSecret']);
  if (token.trim()) secrets.token = token;
  if (clientSecret.trim()) secrets.clientSecret = clientSecret;
  return { ...state, push: readPushValues(body, state.push), secrets };
}

/** Sealed for one admin: a draft row read with someone else's name (or a changed key) opens to nothing. */
export function sealDraft(draft: WizardDraft, box: SecretBox, actor: string): string {
  return box.sealJson(draft, draftContext(actor));
}

export function openDraft(payload: string | undefined, box: SecretBox, actor: string): WizardDraft | undefined {
  if (!payload) return undefined;
  try {
    return box.openJson<WizardDraft>(payload, draftContext(actor));
  } catch (error) {
    if (error instanceof SecretBoxError || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** The step before, for "Back". */
export function previousStep(step: WizardStep): WizardStep {
  return WIZARD_STEPS[Math.max(0, WIZARD_STEPS.indexOf(step) - 1)]!;
}

export function isWizardStep(value: string): value is WizardStep {
  return (WIZARD_STEPS as readonly string[]).includes(value);
}

export function emptyWizard(): WizardState {
  return {
    protocol: 'scim',
    name: '',
    description: '',
    mode: '',
    push: { auth: 'bearer', clientId: '', tokenUrl: '', userUrl: '', orgUrl: '', orgResource: 'organization', ...defaultPolicyValues() },
    ldap: emptyLdapValues(),
    scopeOrgIds: [],
    secrets: {},
  };
}

/** The draft's LDAP inputs, blank ones for a draft saved before LDAP was offered. */
export function ldapOf(state: WizardState): LdapFieldValues {
  return state.ldap ?? emptyLdapValues();
}

export function toCreateInput(state: WizardState): CreateSourceInput {
  const mode = state.mode as CreateSourceInput['mode'];
  if (state.protocol === 'ldap') {
    const { bindPassword } = state.secrets;
    return { name: state.name, description: state.description, protocol: 'ldap', mode: 'push', push: { ldap: ldapInput(ldapOf(state)), ...policyInput(state.push), ...(bindPassword && { bindPassword }) } };
  }
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

function draftContext(actor: string): string {
  return `ssc-wizard-draft:${actor}`;
}

function str(value: unknown): string {
  if (Array.isArray(value)) return str(value[value.length - 1]);
  return typeof value === 'string' ? value : '';
}

function list(value: unknown): string[] {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.filter((item): item is string => typeof item === 'string' && item.trim() !== '');
}
