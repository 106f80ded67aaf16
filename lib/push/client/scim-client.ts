import { Agent, type Dispatcher } from 'undici';
import { engineMessage } from '../../i18n/engine-message.js';
import type { PushSecretsInput, PushSettings } from '../../sources/source-types.js';
import { URN } from '../../scim/urns.js';
import { jsonOf } from '../bodies.js';
import { guardedConnector, hostRefusal } from '../../util/address-guard.js';
import { addressRefusalMessage } from './connect-failure.js';
import { createAuthenticator, type Authenticator } from './auth.js';
import { PushError, RemoteUnsupportedError, StopSyncError, TransientPushError } from './errors.js';
import { AdaptiveRateLimiter } from './rate-limit.js';
import { errorForResponse } from './status-mapping.js';
import { exchange, InFlight } from './exchange.js';

export interface ScimResponse<T = any> {
  status: number;
  body: T;
  method: string;
  /** Path and query on the downstream, for the logs. */
  path: string;
  durationMs: number;
}

export interface ScimClientOptions {
  settings: PushSettings;
  secrets: PushSecretsInput;
  allowHttp: boolean;
  /** Private networks and loopback may be reached (`allowPrivatePush`); special-purpose addresses never. */
  allowPrivate: boolean;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  /** Keep-alive connections per origin; the source's concurrency. */
  connections: number;
  limiter?: AdaptiveRateLimiter;
  /** The longest `Retry-After` honoured (`push.maxRetryAfterMs`). */
  maxRetryAfterMs?: number;
  /** Aborted when the center closes: a request still waiting for its answer ends then, as a transient failure. */
  closing?: AbortSignal;
  now?: () => number;
}

export type ResourceKey = 'user' | 'org';

/** What a listing asks for besides the page. */
export interface ListQuery {
  filter?: string;
  attributes?: readonly string[];
}
export type UpdateMethod = 'PATCH' | 'PUT';

/** What the downstream says about itself (ServiceProviderConfig, ResourceTypes), read once and cached. */
export interface Discovery {
  /** ServiceProviderConfig `patch.supported`; undefined when it could not be read. */
  patchSupported: boolean | undefined;
  /** Extension schemas the User resource type declares; undefined when unknown. */
  userExtensions: string[] | undefined;
  /** ServiceProviderConfig `filter.maxResults`: the most resources one filtered GET answers; undefined when not said. */
  filterMaxResults?: number;
}

export interface PatchOperation {
  op: 'add' | 'remove' | 'replace';
  path?: string;
  value?: unknown;
}

const MEDIA_TYPE = 'application/scim+json';

/**
 * The SCIM 2.0 client of one push source: one keep-alive pool (an undici Agent) per source,
 * connect and response timeouts, no redirects (undici's `request` never follows them), https
 * only unless the host allows http, and only to addresses the address guard allows, checked when the
 * socket connects. Every non-2xx answer becomes one of the push error classes
 * through `errorForResponse()`. Secrets appear in the Authorization header only: messages are
 * scrubbed of them before they leave this class.
 */
export class ScimClient {
  readonly limiter: AdaptiveRateLimiter;
  readonly #agent: Agent;
  readonly #auth: Authenticator;
  readonly #options: ScimClientOptions;
  readonly #secrets: string[];
  readonly #updateMethod: Partial<Record<ResourceKey, UpdateMethod>> = {};
  #discovery: Promise<Discovery> | null = null;
  #closed = false;
  readonly #inFlight: InFlight;
  #headers: { authorization: string; withBody: Record<string, string>; withoutBody: Record<string, string> } | null = null;

  constructor(options: ScimClientOptions) {
    this.#options = options;
    this.limiter = options.limiter ?? new AdaptiveRateLimiter();
    this.#inFlight = new InFlight(options.closing);
    this.#agent = new Agent({
      connections: Math.max(1, options.connections),
      keepAliveTimeout: 30_000,
      connect: guardedConnector({ allowPrivate: options.allowPrivate }, { timeout: options.connectTimeoutMs }),
      headersTimeout: options.requestTimeoutMs,
      bodyTimeout: options.requestTimeoutMs,
    });
    this.#secrets = [options.secrets.token, options.secrets.clientSecret].filter((secret): secret is string => Boolean(secret));
    for (const url of [options.settings.userUrl, options.settings.orgUrl, options.settings.tokenUrl]) if (url) this.#checkUrl(url);
    this.#auth = createAuthenticator({
      settings: options.settings,
      secrets: options.secrets,
      dispatcher: this.#agent,
      timeoutMs: options.requestTimeoutMs,
      now: options.now,
    });
  }

  get settings(): PushSettings {
    return this.#options.settings;
  }

  /** The URL of one remote resource under a resource endpoint. */
  resourceUrl(endpoint: string, remoteId: string): string {
    return `${endpoint}/${encodeURIComponent(remoteId)}`;
  }

  create<T = any>(endpoint: string, body: unknown): Promise<ScimResponse<T>> {
    return this.send<T>('POST', endpoint, body);
  }

  replace<T = any>(url: string, body: unknown): Promise<ScimResponse<T>> {
    return this.send<T>('PUT', url, body);
  }

  patch<T = any>(url: string, operations: PatchOperation[]): Promise<ScimResponse<T>> {
    return this.send<T>('PATCH', url, { schemas: [URN.patchOp], Operations: operations });
  }

  remove(url: string): Promise<ScimResponse<unknown>> {
    return this.send('DELETE', url);
  }

  get<T = any>(url: string): Promise<ScimResponse<T>> {
    return this.send<T>('GET', url);
  }

  /** `GET endpoint?filter=…`: the resources matching a filter, first page only. */
  async search<T = any>(endpoint: string, filter: string, count = 10): Promise<T[]> {
    const response = await this.send<{ Resources?: T[] }>('GET', `${endpoint}?${new URLSearchParams({ filter, count: String(count) })}`);
    return Array.isArray(response.body?.Resources) ? response.body.Resources : [];
  }

  /**
   * One page of a resource listing (1-based `startIndex`, RFC 7644 §3.4.2.4), optionally
   * filtered and with only some `attributes` (§3.4.2.5; `id` is always returned). The counts are
   * what the downstream claims: callers page on until a short or empty page (see
   * full-sync/downstream-pager.ts), as some servers report the page size as `totalResults`.
   */
  async list<T = any>(endpoint: string, startIndex: number, count: number, query: ListQuery = {}): Promise<{ resources: T[]; totalResults: number; itemsPerPage: number; path: string }> {
    const params = new URLSearchParams({ startIndex: String(startIndex), count: String(count) });
    if (query.filter) params.set('filter', query.filter);
    if (query.attributes && query.attributes.length > 0) params.set('attributes', query.attributes.join(','));
    const response = await this.send<{ Resources?: T[]; totalResults?: number; itemsPerPage?: number }>('GET', `${endpoint}?${params}`);
    const resources = Array.isArray(response.body?.Resources) ? response.body.Resources : [];
    const number = (value: unknown) => (Number.isFinite(Number(value)) && value !== null && value !== '' ? Number(value) : resources.length);
    return {
      resources,
      totalResults: number(response.body?.totalResults),
      itemsPerPage: number(response.body?.itemsPerPage),
      path: response.path,
    };
  }

  /** The SCIM base URL (the endpoint's parent), where ServiceProviderConfig lives. */
  baseOf(endpoint: string): string {
    return endpoint.replace(/\/[^/]*$/, '');
  }

  /** ServiceProviderConfig and ResourceTypes, read once. Unreadable documents leave fields undefined. */
  discovery(): Promise<Discovery> {
    this.#discovery ??= this.#discover().catch((error) => {
      this.#discovery = null; // a transient failure must not stick
      throw error;
    });
    return this.#discovery;
  }

  /** PATCH or PUT for updates of this resource kind: what the downstream declared, or learned by fallback. */
  async updateMethod(kind: ResourceKey): Promise<UpdateMethod> {
    const learned = this.#updateMethod[kind];
    if (learned) return learned;
    const { patchSupported } = await this.discovery();
    return patchSupported ? 'PATCH' : 'PUT';
  }

  /** The downstream refused `method` with "not supported": use the other one from now on. */
  learnUnsupported(kind: ResourceKey, method: UpdateMethod): UpdateMethod | null {
    const other: UpdateMethod = method === 'PATCH' ? 'PUT' : 'PATCH';
    if (this.#updateMethod[kind] === other) return null; // both refused
    this.#updateMethod[kind] = other;
    return other;
  }

  /**
   * Sends one request through the rate limiter. An OAuth 2.0 token refused with 401 is fetched
   * again, once. Throws a PushError subclass for every failure.
   */
  send<T = any>(method: string, url: string, body?: unknown): Promise<ScimResponse<T>> {
    if (this.#closed) return Promise.reject(new TransientPushError(engineMessage('engine.push.clientClosed'), { method, path: pathOf(url) }));
    return this.#attempt<T>(method, url, body, true);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#agent.destroy().catch(() => undefined);
  }

  /** One request; `renewable`: a 401 may be answered by fetching a token again and retrying once. */
  async #attempt<T>(method: string, url: string, body: unknown, renewable: boolean): Promise<ScimResponse<T>> {
    const path = pathOf(url);
    try {
      await this.limiter.take();
      const authorization = await this.#auth.header();
      const started = performance.now();
      const answer = await exchange(
        this.#agent,
        { origin: url.slice(0, url.length - path.length), path, method: method as Dispatcher.HttpMethod, headers: this.#headersFor(authorization, body !== undefined), body: body === undefined ? undefined : jsonOf(body) },
        this.#inFlight,
      );
      const durationMs = Math.round(performance.now() - started);
      const status = answer.status;
      if (status >= 200 && status < 300) {
        this.limiter.onAccepted();
        return new Answer<T>(status, answer.text, method, path, durationMs);
      }
      const error = errorForResponse({ method, path, status, retryAfter: answer.retryAfter, body: parseJson(answer.text), maxRetryAfterMs: this.#options.maxRetryAfterMs });
      if (error instanceof TransientPushError) {
        if (status === 429) this.limiter.onThrottled(error.retryAfterMs);
        else if (error.retryAfterMs !== undefined) this.limiter.pause(error.retryAfterMs);
      }
      throw error;
    } catch (error) {
      if (renewable && error instanceof StopSyncError && error.status === 401 && this.#auth.invalidate()) return this.#attempt<T>(method, url, body, false);
      throw this.#scrub(error);
    }
  }

  /** The request headers, built once per Authorization value (it changes only when an OAuth token is renewed). */
  #headersFor(authorization: string, hasBody: boolean): Readonly<Record<string, string>> {
    let headers = this.#headers;
    if (headers?.authorization !== authorization) {
      const accept = `${MEDIA_TYPE}, application/json`;
      headers = { authorization, withBody: { authorization, accept, 'content-type': MEDIA_TYPE }, withoutBody: { authorization, accept } };
      this.#headers = headers;
    }
    return hasBody ? headers.withBody : headers.withoutBody;
  }

  async #discover(): Promise<Discovery> {
    const base = this.baseOf(this.#options.settings.userUrl);
    const discovery: Discovery = { patchSupported: undefined, userExtensions: undefined };
    const config = await this.#optionalGet<{ patch?: { supported?: unknown }; filter?: { maxResults?: unknown } }>(`${base}/ServiceProviderConfig`);
    if (config && typeof config.patch?.supported === 'boolean') discovery.patchSupported = config.patch.supported;
    const maxResults = config?.filter?.maxResults;
    if (typeof maxResults === 'number' && Number.isInteger(maxResults) && maxResults > 0) discovery.filterMaxResults = maxResults;
    const types = await this.#optionalGet<{ Resources?: Array<Record<string, any>> } | Array<Record<string, any>>>(`${base}/ResourceTypes`);
    const list = Array.isArray(types) ? types : Array.isArray(types?.Resources) ? types.Resources : [];
    const userEndpoint = `/${this.#options.settings.userUrl.split('/').pop()}`;
    const userType = list.find((type) => type?.endpoint === userEndpoint || type?.name === 'User');
    if (userType) {
      discovery.userExtensions = (Array.isArray(userType.schemaExtensions) ? userType.schemaExtensions : [])
        .map((extension: { schema?: unknown }) => extension?.schema)
        .filter((schema: unknown): schema is string => typeof schema === 'string');
    }
    return discovery;
  }

  /** A discovery document, or undefined when the downstream does not serve it (404, 405, 501, junk). */
  async #optionalGet<T>(url: string): Promise<T | undefined> {
    try {
      const response = await this.send<T>('GET', url);
      return typeof response.body === 'object' && response.body !== null ? response.body : undefined;
    } catch (error) {
      if (error instanceof StopSyncError || error instanceof TransientPushError) throw error;
      if (error instanceof PushError) return undefined;
      throw error;
    }
  }

  #checkUrl(url: string): void {
    const parsed = new URL(url);
    const { protocol } = parsed;
    if (protocol !== 'https:' && !(protocol === 'http:' && this.#options.allowHttp)) {
      throw new StopSyncError('config', engineMessage('engine.push.protocolRefused', { protocol }));
    }
    // Settings saved before the guard, or by a host with other options: refused before any request.
    const refusal = hostRefusal(parsed, { allowPrivate: this.#options.allowPrivate });
    if (refusal) throw new StopSyncError('config', addressRefusalMessage(refusal), {}, { cause: refusal });
  }

  #scrub(error: unknown): unknown {
    if (!(error instanceof Error) || this.#secrets.length === 0) return error;
    const scrub = (text: string) => this.#secrets.reduce((scrubbed, secret) => scrubbed.split(secret).join('***'), text);
    error.message = scrub(error.message);
    if (error instanceof PushError && error.engineMessage.params) {
      const params = Object.fromEntries(Object.entries(error.engineMessage.params).map(([name, value]) => [name, typeof value === 'string' ? scrub(value) : value]));
      error.engineMessage = { ...error.engineMessage, params };
    }
    return error;
  }
}

export function isUnsupported(error: unknown): error is RemoteUnsupportedError {
  return error instanceof RemoteUnsupportedError;
}

/** Path and query of an absolute URL (the URLs here are built by us from validated bases). */
function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  return start === -1 ? '/' : url.slice(start);
}

/**
 * A 2xx answer whose body is parsed when first read: a create reads its `id`, but the resource a
 * PATCH, PUT or DELETE answers with (a whole group with its members, say) is mostly never looked at.
 */
class Answer<T> implements ScimResponse<T> {
  #text: string | null;
  #body: T | undefined;

  constructor(
    readonly status: number,
    text: string,
    readonly method: string,
    readonly path: string,
    readonly durationMs: number,
  ) {
    this.#text = text;
  }

  get body(): T {
    if (this.#text !== null) {
      this.#body = parseJson(this.#text) as T;
      this.#text = null;
    }
    return this.#body as T;
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 500);
  }
}
