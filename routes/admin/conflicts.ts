import type { StateConflictError } from '../../lib/errors.js';
import { CATALOGUES, type MessageKey, type Translate } from '../../lib/i18n/index.js';

/**
 * A StateConflictError said in the admin's language: known reasons have their own sentence,
 * unknown ones (from newer engines) show the service's own message rather than a vague one.
 */
export function conflictMessage(error: StateConflictError, t: Translate, params: Record<string, string> = {}): string {
  const key = `conflict.${error.reason}`;
  if (key in CATALOGUES.en) return t(key as MessageKey, params);
  return t('conflict.other', { message: error.message });
}
