import type { PushSecretsInput, PushSettings } from '../sources/source-types.js';
import { PushError } from './client/errors.js';
import type { ScimClient } from './client/scim-client.js';

export type ConnectionStepName = 'auth' | 'serviceProviderConfig' | 'users' | 'orgs';

export interface ConnectionStep {
  name: ConnectionStepName;
  ok: boolean;
  /** Set when the step did not apply (e.g. no Org URL): neither pass nor fail. */
  skipped?: boolean;
  method?: string;
  path?: string;
  status?: number;
  /** What was found, or what went wrong; never a secret. */
  detail: string;
  durationMs: number;
}

export interface ConnectionTestResult {
  ok: boolean;
  steps: ConnectionStep[];
}

/** Unsaved settings from the form: the same fields a push source takes, secrets included. */
export type ConnectionTestInput = Partial<PushSettings> & PushSecretsInput;

/**
 * Checks a downstream the way a sync will use it: credentials, ServiceProviderConfig,
 * `GET Users?count=1`, and the same on the Org URL. Each step passes or fails on its own, so
 * the console can say exactly what is wrong. Nothing is written to the downstream.
 */
export async function testConnection(client: ScimClient, settings: PushSettings): Promise<ConnectionTestResult> {
  const steps: ConnectionStep[] = [];
  const step = async (name: ConnectionStepName, url: string | null, describe: (body: any) => string): Promise<boolean> => {
    const started = performance.now();
    if (!url) {
      steps.push({ name, ok: true, skipped: true, detail: 'no Org URL: orgs are not pushed', durationMs: 0 });
      return true;
    }
    try {
      const response = await client.get(url);
      steps.push({ name, ok: true, method: 'GET', path: response.path, status: response.status, detail: describe(response.body), durationMs: response.durationMs });
      return true;
    } catch (error) {
      const pushError = error instanceof PushError ? error : undefined;
      steps.push({
        name,
        ok: false,
        method: pushError?.method ?? 'GET',
        path: pushError?.path,
        status: pushError?.status,
        detail: error instanceof Error ? error.message : String(error),
        durationMs: Math.round(performance.now() - started),
      });
      return false;
    }
  };

  // 1. Credentials: an OAuth 2.0 token is fetched for real; a bearer token or Basic pair is proven by the reads below.
  const authStarted = performance.now();
  try {
    const list = `${settings.userUrl}?${new URLSearchParams({ count: '1' })}`;
    await client.get(list);
    steps.push({ name: 'auth', ok: true, detail: `${settings.auth} credentials accepted`, durationMs: Math.round(performance.now() - authStarted) });
  } catch (error) {
    const pushError = error instanceof PushError ? error : undefined;
    const credentialProblem = pushError?.status === 401 || pushError?.status === 403 || pushError?.code === 'SSC_PUSH_STOP';
    steps.push({
      name: 'auth',
      ok: !credentialProblem,
      status: pushError?.status,
      detail: credentialProblem ? (error as Error).message : 'not proven: the downstream did not answer (see the next steps)',
      durationMs: Math.round(performance.now() - authStarted),
    });
  }
  await step('serviceProviderConfig', `${client.baseOf(settings.userUrl)}/ServiceProviderConfig`, (body) => {
    const patch = body?.patch?.supported === true ? 'PATCH supported' : 'no PATCH: updates use PUT';
    const filter = body?.filter?.supported === true ? 'filtering supported' : 'no filtering declared';
    return `${patch}; ${filter}`;
  });
  await step('users', `${settings.userUrl}?${new URLSearchParams({ count: '1' })}`, (body) => `${Number(body?.totalResults ?? 0)} users on the downstream`);
  await step('orgs', settings.orgUrl ? `${settings.orgUrl}?${new URLSearchParams({ count: '1' })}` : null, (body) => `${Number(body?.totalResults ?? 0)} ${settings.orgResource === 'group' ? 'groups' : 'orgs'} on the downstream`);
  return { ok: steps.every((entry) => entry.ok), steps };
}
