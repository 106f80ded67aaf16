import { request, type Dispatcher } from 'undici';
import { engineMessage } from '../../i18n/engine-message.js';
import type { PushSecretsInput, PushSettings } from '../../sources/source-types.js';
import { StopSyncError, TransientPushError } from './errors.js';
import { connectFailure } from './connect-failure.js';
import { errorForResponse } from './status-mapping.js';

/** Produces the Authorization header for the downstream. Never logs or returns a secret elsewhere. */
export interface Authenticator {
  header(): Promise<string>;
  /** The downstream said 401: forget a cached token. True when a retry may help (a fresh token). */
  invalidate(): boolean;
}

export interface AuthOptions {
  settings: Pick<PushSettings, 'auth' | 'clientId' | 'tokenUrl'>;
  secrets: PushSecretsInput;
  dispatcher: Dispatcher;
  timeoutMs: number;
  now?: () => number;
}

/** A token is renewed this long before it expires, so no request carries one about to lapse. */
const EXPIRY_MARGIN_MS = 60_000;
const DEFAULT_TOKEN_LIFETIME_S = 3600;

export function createAuthenticator(options: AuthOptions): Authenticator {
  const { settings, secrets } = options;
  switch (settings.auth) {
    case 'bearer': {
      if (!secrets.token) throw new StopSyncError('config', engineMessage('engine.push.noToken'));
      const header = `Bearer ${secrets.token}`;
      return { header: async () => header, invalidate: () => false };
    }
    case 'basic': {
      if (!settings.clientId || !secrets.clientSecret) throw new StopSyncError('config', engineMessage('engine.push.basicNeedsClient'));
      const header = `Basic ${basicCredentials(settings.clientId, secrets.clientSecret)}`;
      return { header: async () => header, invalidate: () => false };
    }
    case 'oauth2':
      return new ClientCredentials(options);
    default:
      throw new StopSyncError('config', engineMessage('engine.push.unknownAuth', { auth: String(settings.auth) }));
  }
}

/** RFC 6749 §2.3.1: both parts form-urlencoded before base64. */
function basicCredentials(user: string, password: string): string {
  return Buffer.from(`${encodeURIComponent(user)}:${encodeURIComponent(password)}`).toString('base64');
}

/**
 * OAuth 2.0 client credentials grant (RFC 6749 §4.4), client authenticated with HTTP Basic. The
 * token is cached until shortly before it expires; concurrent callers share one token request.
 */
class ClientCredentials implements Authenticator {
  #token: { header: string; expiresAt: number } | null = null;
  #pending: Promise<string> | null = null;
  readonly #now: () => number;

  constructor(private readonly options: AuthOptions) {
    this.#now = options.now ?? Date.now;
    if (!options.settings.tokenUrl) throw new StopSyncError('config', engineMessage('engine.push.oauthNeedsTokenUrl'));
    if (!options.settings.clientId || !options.secrets.clientSecret) {
      throw new StopSyncError('config', engineMessage('engine.push.oauthNeedsClient'));
    }
  }

  async header(): Promise<string> {
    if (this.#token && this.#token.expiresAt > this.#now()) return this.#token.header;
    this.#pending ??= this.#fetch().finally(() => {
      this.#pending = null;
    });
    return this.#pending;
  }

  invalidate(): boolean {
    const had = this.#token !== null;
    this.#token = null;
    return had;
  }

  async #fetch(): Promise<string> {
    const { settings, secrets, dispatcher, timeoutMs } = this.options;
    const url = new URL(settings.tokenUrl!);
    const path = url.pathname + url.search;
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        method: 'POST',
        dispatcher,
        headers: {
          authorization: `Basic ${basicCredentials(settings.clientId!, secrets.clientSecret!)}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
    } catch (cause) {
      throw connectFailure(cause, { method: 'POST', path });
    }
    const text = await response.body.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // a non-JSON answer is reported by status below
    }
    if (response.statusCode === 400 || response.statusCode === 401) {
      // RFC 6749 §5.2: invalid_client / unauthorized_client are credentials problems, not outages.
      const code = typeof body.error === 'string' ? body.error : `status ${response.statusCode}`;
      throw new StopSyncError('unauthorized', engineMessage('engine.push.tokenRefused', { path, status: response.statusCode, code }), {
        method: 'POST',
        path,
        status: response.statusCode,
      });
    }
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw errorForResponse({ method: 'POST', path, status: response.statusCode, retryAfter: header(response.headers['retry-after']), body });
    }
    const token = typeof body.access_token === 'string' ? body.access_token : '';
    if (!token) throw new TransientPushError(engineMessage('engine.push.tokenMissing', { path, status: response.statusCode }), { method: 'POST', path, status: response.statusCode });
    const lifetimeS = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_LIFETIME_S;
    const margin = Math.min(EXPIRY_MARGIN_MS, lifetimeS * 100); // at most 10% of a short lifetime
    const headerValue = `Bearer ${token}`;
    this.#token = { header: headerValue, expiresAt: this.#now() + lifetimeS * 1000 - margin };
    return headerValue;
  }
}

export function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
