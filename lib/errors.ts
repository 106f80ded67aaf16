/**
 * Error classes with stable codes. Each class stands for one decision the caller makes; the
 * `code` never changes once published, so hosts and tests may switch on it.
 */

import { storeMessage, type EngineMessage } from './i18n/engine-message.js';

export class SyncCenterError extends Error {
  readonly code: string;
  /** What the error says as a catalogue code with parameters, where an admin reads it later (push errors have one). */
  engineMessage?: EngineMessage;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * What to store for an admin to read about an error: its code and parameters when it has them
 * (rendered per reader), else its text.
 */
export function storedError(error: unknown): string {
  if (error instanceof SyncCenterError && error.engineMessage) return storeMessage(error.engineMessage);
  return error instanceof Error ? error.message : String(error);
}

/** One field of an input that failed validation, with a stable code for translation. */
export interface FieldIssue {
  field: string;
  /** Stable code, also the i18n key suffix: `required`, `too_long`, `https_only`, … */
  code: string;
  message: string;
  params?: Record<string, string | number>;
}

/** Input the caller can fix: names every offending field, nothing was written. */
export class ValidationError extends SyncCenterError {
  readonly issues: FieldIssue[];

  constructor(issues: FieldIssue[]) {
    super('SSC_VALIDATION', issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '));
    this.issues = issues;
  }

  static single(field: string, code: string, message: string, params?: FieldIssue['params']): ValidationError {
    return new ValidationError([{ field, code, message, params }]);
  }
}

/** Collects field issues so that one error names every bad field at once. */
export class IssueCollector {
  readonly issues: FieldIssue[] = [];

  add(field: string, code: string, message: string, params?: FieldIssue['params']): void {
    this.issues.push({ field, code, message, params });
  }

  throwIfAny(): void {
    if (this.issues.length > 0) throw new ValidationError(this.issues);
  }

  /** An optional string field: trimmed, at most `max` long; blank counts as absent. */
  optionalText(value: unknown, field: string, max: number): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') {
      this.add(field, 'type', `${field} must be a string`);
      return undefined;
    }
    const trimmed = value.trim();
    if (trimmed.length > max) this.add(field, 'too_long', `${field} must be at most ${max} characters`, { max });
    return trimmed === '' ? undefined : trimmed;
  }
}

/** The thing asked for does not exist (a source, a run, a mirror object). */
export class NotFoundError extends SyncCenterError {
  constructor(what: string, id: string) {
    super('SSC_NOT_FOUND', `${what} ${JSON.stringify(id)} does not exist`);
  }
}

/**
 * Why a state conflict was refused; stable, so hosts may switch on it. It is also the suffix of
 * the console's sentence `conflict.<reason>`: a reason without one in both languages fails the
 * type check (routes/admin/conflicts.ts).
 */
export type StateConflictReason =
  | 'source_enabled'
  | 'source_disabled'
  | 'secrets_unreadable'
  | 'not_pull'
  | 'not_push'
  /** Only an LDAP destination has a directory tree to read (`push.ldapTree`). */
  | 'not_ldap'
  | 'dry_run_push_only'
  | 'no_executor'
  | 'run_active'
  /** Provision on demand waited for the source's delivery lease in vain. */
  | 'delivery_busy'
  | 'run_not_paused'
  | 'no_hold'
  | 'not_drained'
  | 'sqlite_workers_taken'
  | 'already_started'
  | 'center_closed';

/** The request is valid but the object's state forbids it (delete an enabled source, …). */
export class StateConflictError extends SyncCenterError {
  readonly reason: StateConflictReason;

  constructor(reason: StateConflictReason, message: string) {
    super('SSC_STATE_CONFLICT', message);
    this.reason = reason;
  }
}

/** A host hook threw or returned something unusable; `cause` holds the original. */
export class HostHookError extends SyncCenterError {
  constructor(hook: string, cause: unknown) {
    super('SSC_HOST_HOOK', `the host's ${hook} hook failed: ${describe(cause)}`, { cause });
    // The host's own words are data: quoted, not translated.
    this.engineMessage = { key: 'engine.host.hookFailed', params: { hook, error: describe(cause).slice(0, 500) } };
  }
}

/** Stored ciphertext did not authenticate: wrong key or tampered data. */
export class SecretBoxError extends SyncCenterError {
  constructor(message: string) {
    super('SSC_SECRET_BOX', message);
    this.engineMessage = { key: 'engine.host.secretUnreadable' };
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
