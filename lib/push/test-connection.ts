import type { PushSecretsInput, PushSettings, PushSettingsInput } from '../sources/source-types.js';
import { isAddressRefusal } from '../util/address-guard.js';
import { storedError } from '../errors.js';
import { engineMessage, storeMessage, type EngineMessage } from '../i18n/engine-message.js';
import { addressRefusalMessage } from './client/connect-failure.js';
import { checkOrgShape, readDownstreamShape, type ShapeProposal } from './client/downstream-shape.js';
import { PushError, TransientPushError } from './client/errors.js';
import type { ScimClient } from './client/scim-client.js';
import type { ConnectorTestResult } from './connector.js';

/** SCIM's steps, then an LDAP directory's (`bind`, `baseDn`, `write`: the connector's checks). */
export type ConnectionStepName = 'auth' | 'serviceProviderConfig' | 'users' | 'orgs' | 'orgShape' | 'bind' | 'baseDn' | 'write';

/**
 * Why a step failed when it got no HTTP answer, for the console to say in the admin's language:
 * the address guard refused the address (nothing was sent), or no answer came. The latter is one
 * word for refused, reset and timed out alike, so the test cannot be used to scan ports.
 */
export type ConnectionProblem = 'address_not_allowed' | 'could_not_connect';

export interface ConnectionStep {
  name: ConnectionStepName;
  ok: boolean;
  /** Set when the step did not apply (e.g. no Org URL): neither pass nor fail. */
  skipped?: boolean;
  method?: string;
  path?: string;
  status?: number;
  problem?: ConnectionProblem;
  /** The refused address, with `problem: 'address_not_allowed'`. */
  address?: string;
  /** What was found, or what went wrong, as a stored engine message (`renderMessage` shows it in the reader's language); never a secret. */
  detail: string;
  /** orgShape: the settings the downstream's /ResourceTypes calls for, when they differ from the tested ones. */
  proposal?: ShapeProposal;
  /** Absent where the protocol's checks are not timed one by one (LDAP's). */
  durationMs?: number;
}

export interface ConnectionTestResult {
  ok: boolean;
  steps: ConnectionStep[];
}

/** Unsaved settings from the form: the same fields a push source takes, secrets included. */
export type ConnectionTestInput = PushSettingsInput;

export type ConnectionTestOutcome = 'passed' | 'failed' | 'address_not_allowed';

const STEP_NAMES: readonly ConnectionStepName[] = ['auth', 'serviceProviderConfig', 'users', 'orgs', 'orgShape'];
const COULD_NOT_CONNECT = storeMessage(engineMessage('engine.test.couldNotConnect'));
const stored = (key: EngineMessage['key'], params?: EngineMessage['params']) => storeMessage(engineMessage(key, params));

/**
 * Checks a downstream the way a sync will use it: credentials, ServiceProviderConfig,
 * `GET Users?count=1`, the same on the Org URL, and whether the downstream's /ResourceTypes and
 * /Schemas can hold the org shape. Each step passes or fails on its own, so
 * the console can say exactly what is wrong. Nothing is written to the downstream. An address
 * the guard refuses ends the test: the steps after it are not tried.
 */
export async function testConnection(client: ScimClient, settings: PushSettings): Promise<ConnectionTestResult> {
  const steps: ConnectionStep[] = [];
  let refused: { address: string; detail: string } | null = null;
  const step = async (name: ConnectionStepName, url: string | null, describe: (body: any) => EngineMessage): Promise<void> => {
    const started = performance.now();
    if (refused) {
      steps.push({ name, ok: false, skipped: true, detail: stored('engine.test.notTried', { reason: refused.detail }), durationMs: 0 });
      return;
    }
    if (!url) {
      steps.push({ name, ok: true, skipped: true, detail: stored('engine.test.noOrgUrl'), durationMs: 0 });
      return;
    }
    try {
      const response = await client.get(url);
      steps.push({ name, ok: true, method: 'GET', path: response.path, status: response.status, detail: storeMessage(describe(response.body)), durationMs: response.durationMs });
    } catch (error) {
      const pushError = error instanceof PushError ? error : undefined;
      steps.push({
        name,
        ok: false,
        method: pushError?.method ?? 'GET',
        path: pushError?.path,
        status: pushError?.status,
        ...failureOf(error),
        durationMs: Math.round(performance.now() - started),
      });
      refused = refusalIn(error);
    }
  };

  // 1. Credentials: an OAuth 2.0 token is fetched for real; a bearer token or Basic pair is proven by the reads below.
  const authStarted = performance.now();
  try {
    const list = `${settings.userUrl}?${new URLSearchParams({ count: '1' })}`;
    await client.get(list);
    steps.push({ name: 'auth', ok: true, detail: stored(`engine.test.credentialsAccepted.${settings.auth}`), durationMs: Math.round(performance.now() - authStarted) });
  } catch (error) {
    const pushError = error instanceof PushError ? error : undefined;
    refused = refusalIn(error);
    const credentialProblem = !refused && (pushError?.status === 401 || pushError?.status === 403 || pushError?.code === 'SSC_PUSH_STOP');
    steps.push({
      name: 'auth',
      ok: !credentialProblem && !refused,
      status: pushError?.status,
      ...(refused ? failureOf(error) : { detail: credentialProblem ? storedError(error) : stored('engine.test.notProven') }),
      durationMs: Math.round(performance.now() - authStarted),
    });
  }
  await step('serviceProviderConfig', `${client.baseOf(settings.userUrl)}/ServiceProviderConfig`, (body) => {
    const patch = stored(body?.patch?.supported === true ? 'engine.test.patchSupported' : 'engine.test.noPatch');
    const filter = stored(body?.filter?.supported === true ? 'engine.test.filterSupported' : 'engine.test.noFilter');
    return engineMessage('engine.test.capabilities', { patch, filter });
  });
  await step('users', `${settings.userUrl}?${new URLSearchParams({ count: '1' })}`, (body) => engineMessage('engine.test.users', { count: Number(body?.totalResults ?? 0) }));
  await step('orgs', settings.orgUrl ? `${settings.orgUrl}?${new URLSearchParams({ count: '1' })}` : null, (body) =>
    engineMessage(settings.orgResource === 'group' ? 'engine.test.groups' : 'engine.test.orgs', { count: Number(body?.totalResults ?? 0) }),
  );
  steps.push(await orgShapeStep(client, settings, refused));
  return { ok: steps.every((entry) => entry.ok), steps };
}

/** Whether the org shape fits what the downstream publishes; a mismatch is a failed step with the fix (and the settings it proposes). */
async function orgShapeStep(client: ScimClient, settings: PushSettings, refused: { detail: string } | null): Promise<ConnectionStep> {
  if (refused) return { name: 'orgShape', ok: false, skipped: true, detail: `not tried: ${refused.detail}`, durationMs: 0 };
  if (!settings.orgUrl) return { name: 'orgShape', ok: true, skipped: true, detail: 'no Org URL: orgs are not pushed', durationMs: 0 };
  const started = performance.now();
  try {
    const shape = await readDownstreamShape(client, settings.orgUrl);
    const verdict = checkOrgShape(shape, settings);
    const { method, path, status, durationMs } = shape.request;
    return {
      name: 'orgShape',
      ok: verdict.kind !== 'mismatch',
      ...(verdict.kind === 'unknown' && { skipped: true }),
      method,
      path,
      status,
      detail: storeMessage(verdict.message),
      ...(verdict.kind === 'mismatch' && verdict.proposal && { proposal: verdict.proposal }),
      durationMs,
    };
  } catch (error) {
    const pushError = error instanceof PushError ? error : undefined;
    return { name: 'orgShape', ok: false, method: pushError?.method ?? 'GET', path: pushError?.path, status: pushError?.status, ...failureOf(error), durationMs: Math.round(performance.now() - started) };
  }
}

/** A connector's checks (LDAP's bind, base DN, write) as the steps the console shows, each message stored. */
export function fromConnectorTest(result: ConnectorTestResult): ConnectionTestResult {
  const steps = result.checks.map(
    (check): ConnectionStep => ({ name: check.name as ConnectionStepName, ok: check.ok, ...(check.skipped && { skipped: true }), detail: storeMessage(check.detail) }),
  );
  return { ok: result.ok, steps };
}

/** The result when the client refused an address before any request (saved before the guard, or under other host options). */
export function refusedUpFront(error: Error): ConnectionTestResult {
  const refusal = refusalIn(error);
  const first: ConnectionStep = refusal
    ? { name: 'auth', ok: false, problem: 'address_not_allowed', address: refusal.address, detail: refusal.detail, durationMs: 0 }
    : { name: 'auth', ok: false, detail: storedError(error), durationMs: 0 };
  const rest = STEP_NAMES.slice(1).map((name): ConnectionStep => ({ name, ok: false, skipped: true, detail: stored('engine.test.notTried', { reason: first.detail }), durationMs: 0 }));
  return { ok: false, steps: [first, ...rest] };
}

export function outcomeOf(result: ConnectionTestResult): ConnectionTestOutcome {
  if (result.ok) return 'passed';
  return result.steps.some((step) => step.problem === 'address_not_allowed') ? 'address_not_allowed' : 'failed';
}

/** What a failed step says: a refused address as such, any other missing answer as one generic line. */
function failureOf(error: unknown): Pick<ConnectionStep, 'detail' | 'problem' | 'address'> {
  const refusal = refusalIn(error);
  if (refusal) return { problem: 'address_not_allowed', address: refusal.address, detail: refusal.detail };
  if (error instanceof TransientPushError && error.status === undefined) return { problem: 'could_not_connect', detail: COULD_NOT_CONNECT };
  return { detail: storedError(error) };
}

function refusalIn(error: unknown): { address: string; detail: string } | null {
  const cause = error instanceof Error ? error.cause : undefined;
  const refusal = isAddressRefusal(error) ? error : isAddressRefusal(cause) ? cause : null;
  return refusal ? { address: refusal.address, detail: storeMessage(addressRefusalMessage(refusal)) } : null;
}
