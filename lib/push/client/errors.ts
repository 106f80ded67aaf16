import { SyncCenterError } from '../../errors.js';
import { inEnglish, type EngineMessage } from '../../i18n/engine-message.js';
import type { ImmediateStop } from '../../sources/source-health.js';

/** Where a push request went and what came back; never holds a header or a secret. */
export interface PushRequestInfo {
  method?: string;
  /** The request path on the downstream, e.g. `/scim/v2/Users/42`. */
  path?: string;
  /** The HTTP status, absent when no response came (timeout, reset, refused). */
  status?: number;
  /** The SCIM `scimType` the downstream gave, if any. */
  scimType?: string;
}

/**
 * Base of the push errors. Each subclass is one decision the push engine takes (authentik's
 * hierarchy): the HTTP status → class mapping lives in `errorForResponse()` only. Each carries
 * what it says as a catalogue code with parameters (`detail`): that is what the logs and
 * reasons store (`engineMessage`), so admins read it in their language; `message` is its English,
 * for exceptions and server logs.
 */
export class PushError extends SyncCenterError {
  readonly method?: string;
  readonly path?: string;
  readonly status?: number;
  readonly scimType?: string;
  /** What went wrong, as an `engine.push.*` code and parameters (the SCIM client scrubs secrets out of both). */
  override engineMessage: EngineMessage;

  constructor(code: string, engineMessage: EngineMessage, info: PushRequestInfo = {}, options?: { cause?: unknown }) {
    super(code, inEnglish(engineMessage), options);
    this.engineMessage = engineMessage;
    this.method = info.method;
    this.path = info.path;
    this.status = info.status;
    this.scimType = info.scimType;
  }
}

/** Retry later: 5xx, 429, timeouts, resets, the downstream down. */
export class TransientPushError extends PushError {
  /** How long the downstream asked us to wait (`Retry-After`), in milliseconds. */
  readonly retryAfterMs?: number;
  /** What the downstream asked for when it was more than `push.maxRetryAfterMs` (and `retryAfterMs` is that cap). */
  readonly retryAfterAskedMs?: number;
  /** When the answer came (Date.now()): a Retry-After counts from then, not from when the retry is planned. */
  readonly receivedAt = Date.now();

  constructor(message: EngineMessage, info: PushRequestInfo & { retryAfterMs?: number; retryAfterAskedMs?: number } = {}, options?: { cause?: unknown }) {
    super('SSC_PUSH_TRANSIENT', message, info, options);
    this.retryAfterMs = info.retryAfterMs;
    this.retryAfterAskedMs = info.retryAfterAskedMs;
  }
}

/** The linked remote object is gone: drop the link and create it again. */
export class RemoteNotFoundError extends PushError {
  constructor(message: EngineMessage, info: PushRequestInfo = {}) {
    super('SSC_PUSH_NOT_FOUND', message, info);
  }
}

/** The downstream already has this object: look it up and adopt it. */
export class RemoteConflictError extends PushError {
  constructor(message: EngineMessage, info: PushRequestInfo = {}) {
    super('SSC_PUSH_CONFLICT', message, info);
  }
}

/** The downstream refused this object for good (a 4xx retrying cannot fix): log it and go on. */
export class RemoteRejectedError extends PushError {
  constructor(message: EngineMessage, info: PushRequestInfo = {}, code = 'SSC_PUSH_REJECTED') {
    super(code, message, info);
  }
}

/** The downstream does not support this method on this resource (405, 501, "not supported"): try the other one. */
export class RemoteUnsupportedError extends RemoteRejectedError {
  constructor(message: EngineMessage, info: PushRequestInfo = {}) {
    super(message, info, 'SSC_PUSH_UNSUPPORTED');
  }
}

/** Why a push stopped: the downstream refused the credentials (401), refused the permission (403), or the source's configuration cannot work. */
export type StopReason = 'unauthorized' | 'forbidden' | 'config';

/** 401/403 or a configuration that cannot work: stop the run, quarantine the source. */
export class StopSyncError extends PushError {
  readonly reason: StopReason;

  constructor(reason: StopReason, message: EngineMessage, info: PushRequestInfo = {}, options?: { cause?: unknown }) {
    super('SSC_PUSH_STOP', message, info, options);
    this.reason = reason;
  }
}

/** For the quarantine: a stop quarantines at once, saying which refusal (and status) it was; anything else goes by the failure rate. */
export function immediateStopOf(error: unknown): ImmediateStop | undefined {
  return error instanceof StopSyncError ? { cause: error.reason, status: error.status } : undefined;
}
