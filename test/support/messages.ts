import { renderMessage } from '../../lib/i18n/engine-message.js';
import { translator } from '../../lib/i18n/index.js';

const en = translator('en');

/** A stored engine message (or legacy text) as an English reader sees it, for assertions on what a log or reason says. */
export function english(stored: string | null | undefined): string {
  return renderMessage(en, stored);
}
