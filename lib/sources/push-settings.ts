import { validatePushPolicy, type PushPolicy } from './push-policy-validation.js';
import type { PushSettings, Source } from './source-types.js';

/** A push source's stored settings, without the flags that say which secrets are set. */
export function settingsOf(source: Source): PushSettings {
  if (!source.push) throw new Error(`source ${source.id} is not a push source`);
  const { hasToken: _hasToken, hasClientSecret: _hasClientSecret, hasBindPassword: _hasBindPassword, ...settings } = source.push;
  return settings;
}

/** The policy of a stored source, defaults filled in for sources saved before these settings existed. */
export function pushPolicyOf(settings: PushSettings): PushPolicy {
  return validatePushPolicy(settings, () => undefined);
}
