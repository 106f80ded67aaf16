import { engineMessage, type EngineMessage } from '../../i18n/engine-message.js';
import { isAddressRefusal, type AddressNotAllowedError } from '../../util/address-guard.js';
import { StopSyncError, type PushError } from './errors.js';
import { errorForNetworkFailure } from './status-mapping.js';

/**
 * A request that got no answer. A refused address is a configuration the source cannot work
 * with (retrying cannot help), anything else a network failure worth retrying.
 */
export function connectFailure(cause: unknown, info: { method: string; path: string }): PushError {
  if (isAddressRefusal(cause)) return new StopSyncError('config', addressRefusalMessage(cause, info), info, { cause });
  return errorForNetworkFailure(cause, info);
}

/** The guard's refusal as a code: with the request when one was about to go, without when refused up front. */
export function addressRefusalMessage(refusal: AddressNotAllowedError, request?: { method: string; path: string }): EngineMessage {
  const fixable = refusal.verdict.kind !== 'special';
  const params = { address: refusal.address, range: refusal.verdict.label };
  if (request) return engineMessage(fixable ? 'engine.push.addressRefusedPrivate' : 'engine.push.addressRefused', { ...params, ...request });
  return engineMessage(fixable ? 'engine.push.addressRefusedUpFrontPrivate' : 'engine.push.addressRefusedUpFront', params);
}
