import type { StateConflictError } from '../../lib/errors.js';
import { CATALOGUES, type MessageKey, type Translate } from '../../lib/i18n/index.js';

/**
 * A StateConflictError said in the admin's language: every reason has its own sentence; one
 * outside the union (an error built with a cast) shows the service's own message, not a vague one.
 */
export function conflictMessage(error: StateConflictError, t: Translate, params: Record<string, string> = {}): string {
  // Typed as a key, so that a StateConflictReason without a sentence fails the type check.
  const key: MessageKey = `conflict.${error.reason}`;
  if (key in CATALOGUES.en) return t(key, params);
  return t('conflict.other', { message: error.message });
}
