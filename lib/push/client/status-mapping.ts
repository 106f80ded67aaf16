import { engineMessage, quotedDetail, type EngineMessage } from '../../i18n/engine-message.js';
import {
  PushError,
  RemoteConflictError,
  RemoteNotFoundError,
  RemoteRejectedError,
  RemoteUnsupportedError,
  StopSyncError,
  TransientPushError,
  type PushRequestInfo,
} from './errors.js';

export interface FailedResponse {
  method: string;
  path: string;
  status: number;
  /** `Retry-After` as the downstream sent it. */
  retryAfter?: string | null;
  /** The parsed body, when it was JSON (a SCIM error has `detail` and `scimType`). */
  body?: unknown;
  now?: number;
  /** The longest `Retry-After` honoured (`push.maxRetryAfterMs`); a longer one is cut to it. @default DEFAULT_MAX_RETRY_AFTER_MS */
  maxRetryAfterMs?: number;
}

/** One hour: a downstream asking for days (or for 10^9 seconds) is asked again after this. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 3_600_000;

/** Statuses a later retry can fix. */
const TRANSIENT = new Set([408, 425, 429, 500, 502, 503, 504]);
const NOT_SUPPORTED = /\bnot (supported|implemented)\b|\bunsupported\b/i;

/**
 * The mapping from a downstream's HTTP answer to what the push engine does about it: the SCIM
 * client sends every non-2xx response here. Two callers that know more refine it: the OAuth
 * token request takes a 400 or 401 as refused client credentials (RFC 6749 §5.2, `auth.ts`),
 * and a 404 on create means a wrong URL, not a missing object (`object-pusher.ts`).
 */
export function errorForResponse(response: FailedResponse): PushError {
  const { status } = response;
  const { detail, scimType } = scimErrorOf(response.body);
  const info: PushRequestInfo = { method: response.method, path: response.path, status, scimType };
  // The downstream's own words are data: a quoted parameter, never translated.
  const params = { method: response.method, path: response.path, status, detail: quotedDetail(detail) };
  const message = engineMessage('engine.push.http', params);
  if (status >= 300 && status < 400) return new StopSyncError('config', engineMessage('engine.push.redirect', params), info);
  if (status === 401) return new StopSyncError('unauthorized', engineMessage('engine.push.unauthorized', params), info);
  if (status === 403) return new StopSyncError('forbidden', engineMessage('engine.push.forbidden', params), info);
  if (status === 404) return new RemoteNotFoundError(message, info);
  if (status === 409 || (status === 400 && scimType === 'uniqueness')) return new RemoteConflictError(message, info);
  if (status === 405 || status === 501) return new RemoteUnsupportedError(message, info);
  if (TRANSIENT.has(status) || status >= 500) {
    const asked = status === 429 || status === 503 ? parseRetryAfter(response.retryAfter, response.now ?? Date.now()) : undefined;
    const cap = response.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
    if (asked === undefined || asked <= cap) return new TransientPushError(message, { ...info, retryAfterMs: asked });
    const capped = Number.isFinite(asked)
      ? engineMessage('engine.push.retryAfterCapped', { ...params, asked: seconds(asked), cap: seconds(cap) })
      : engineMessage('engine.push.retryAfterCappedForever', { ...params, cap: seconds(cap) });
    return new TransientPushError(capped, { ...info, retryAfterMs: cap, retryAfterAskedMs: asked });
  }
  // RFC 7644 §3.12 answers an unsupported operation with 501; some providers send a 400 saying
  // "not supported" instead. (A 403 stays a permission problem, above.)
  if (status === 400 && detail && NOT_SUPPORTED.test(detail)) return new RemoteUnsupportedError(message, info);
  return new RemoteRejectedError(message, info);
}

/** A request that got no answer: refused, reset, timed out. Always worth retrying. */
export function errorForNetworkFailure(cause: unknown, info: PushRequestInfo): TransientPushError {
  return new TransientPushError(networkMessage(cause, info), info, { cause: stripCause(cause) });
}

function networkMessage(cause: unknown, info: PushRequestInfo): EngineMessage {
  const code = (cause as { code?: string } | null)?.code;
  const params = { method: info.method ?? '', path: info.path ?? '' };
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return engineMessage('engine.push.connectTimeout', params);
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return engineMessage('engine.push.responseTimeout', params);
    case 'ECONNREFUSED':
      return engineMessage('engine.push.connectionRefused', params);
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return engineMessage('engine.push.connectionReset', params);
    default:
      // The system's own words (a DNS failure, a TLS error): data, quoted as they are.
      return engineMessage('engine.push.networkError', { ...params, error: `${code ? `${code} ` : ''}${cause instanceof Error ? cause.message : String(cause)}` });
  }
}

/** Keeps the class and code of a network error but nothing that could carry request headers. */
function stripCause(cause: unknown): Error {
  const error = new Error(cause instanceof Error ? cause.message : String(cause));
  error.name = cause instanceof Error ? cause.name : 'Error';
  const code = (cause as { code?: string } | null)?.code;
  if (code) (error as Error & { code?: string }).code = code;
  return error;
}

function seconds(ms: number): number {
  return Math.round(ms / 1000);
}

/** `Retry-After`: delay-seconds or an HTTP date (RFC 9110 §10.2.3). Far too many digits parse as Infinity (and are capped by the caller). */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function scimErrorOf(body: unknown): { detail?: string; scimType?: string } {
  if (typeof body !== 'object' || body === null) return {};
  const record = body as Record<string, unknown>;
  const detail = typeof record.detail === 'string' ? record.detail.slice(0, 500) : undefined;
  const scimType = typeof record.scimType === 'string' ? record.scimType : undefined;
  return { detail, scimType };
}
