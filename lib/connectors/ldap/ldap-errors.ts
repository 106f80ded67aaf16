import { ResultCodeError } from 'ldapts';
import { engineMessage } from '../../i18n/engine-message.js';
import { PushError, RemoteConflictError, RemoteNotFoundError, RemoteRejectedError, StopSyncError, TransientPushError } from '../../push/client/errors.js';

/** LDAP result codes (RFC 4511 §4.1.9) that decide what the engine does. */
const RESULT = {
  timeLimitExceeded: 3,
  strongAuthRequired: 8,
  noSuchObject: 32,
  inappropriateAuthentication: 48,
  invalidCredentials: 49,
  insufficientAccessRights: 50,
  busy: 51,
  unavailable: 52,
  entryAlreadyExists: 68,
  other: 80,
} as const;

/**
 * The one place an LDAP failure becomes one of the engine's decisions, as `errorForResponse`
 * is for HTTP: bad credentials or missing rights stop the run (and quarantine), a missing entry
 * drops the link, an existing entry is looked up and adopted, busy or unreachable servers are
 * retried, and anything else refuses this object only. `operation` and `dn` say what was tried.
 */
export function ldapError(error: unknown, operation: string, dn: string): PushError {
  if (error instanceof PushError) return error;
  const info = { method: operation.toUpperCase(), path: dn };
  if (error instanceof ResultCodeError) {
    const what = engineMessage('engine.ldap.failed', { operation, dn, code: error.code, detail: error.message });
    switch (error.code) {
      case RESULT.invalidCredentials:
      case RESULT.inappropriateAuthentication:
        return new StopSyncError('unauthorized', what, info, { cause: error });
      case RESULT.insufficientAccessRights:
        return new StopSyncError('forbidden', what, info, { cause: error });
      case RESULT.strongAuthRequired:
        return new StopSyncError('config', engineMessage('engine.ldap.needsTls', { operation, dn }), info, { cause: error });
      case RESULT.noSuchObject:
        return new RemoteNotFoundError(what, info);
      case RESULT.entryAlreadyExists:
        return new RemoteConflictError(what, info);
      case RESULT.busy:
      case RESULT.unavailable:
      case RESULT.timeLimitExceeded:
      case RESULT.other:
        return new TransientPushError(what, info, { cause: error });
      default:
        return new RemoteRejectedError(what, info);
    }
  }
  // No LDAP answer at all: refused, reset, timed out, a TLS handshake that failed.
  const message = error instanceof Error ? error.message : String(error);
  if (isTlsFailure(error)) return new StopSyncError('config', engineMessage('engine.ldap.tlsFailed', { operation, detail: message }), info, { cause: error });
  return new TransientPushError(engineMessage('engine.ldap.noAnswer', { operation, dn, detail: message }), info, { cause: error });
}

function isTlsFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('ERR_TLS') || code.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
}
