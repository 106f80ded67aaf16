import { isAddressRefusal } from '../../util/address-guard.js';
import { StopSyncError, type PushError } from './errors.js';
import { errorForNetworkFailure } from './status-mapping.js';

/**
 * A request that got no answer. A refused address is a configuration the source cannot work
 * with (retrying cannot help), anything else a network failure worth retrying.
 */
export function connectFailure(cause: unknown, info: { method: string; path: string }): PushError {
  if (isAddressRefusal(cause)) return new StopSyncError('config', `${info.method} ${info.path}: ${cause.message}`, info, { cause });
  return errorForNetworkFailure(cause, info);
}
