import { translator, type MessageKey, type Translate } from './index.js';

export type MessageParams = Record<string, string | number>;
export type EngineMessageKey = Extract<MessageKey, `engine.${string}`>;

/**
 * A sentence the engine writes for an admin to read later (a quarantine or hold reason, a log
 * error or note, a connection-test step): its catalogue key and parameters, so the page renders
 * it in the reader's language rather than in the language of whoever caused it.
 */
export interface EngineMessage {
  key: EngineMessageKey;
  params?: MessageParams;
}

export function engineMessage(key: EngineMessageKey, params?: MessageParams): EngineMessage {
  return params ? { key, params } : { key };
}

const MARK = '{"$msg":';

/**
 * The stored form, kept in the same text columns as before: JSON with a marker, so rows written
 * before messages had codes (plain English) still read as what they are.
 */
export function storeMessage(message: EngineMessage): string {
  return JSON.stringify({ $msg: message.key, params: message.params ?? {} });
}

/** The message a column holds, or its plain text for rows from before codes; null when empty. */
export function readMessage(stored: string | null | undefined): EngineMessage | { text: string } | null {
  if (stored === null || stored === undefined || stored === '') return null;
  if (stored.startsWith(MARK)) {
    try {
      const parsed = JSON.parse(stored) as { $msg: EngineMessageKey; params?: MessageParams };
      return engineMessage(parsed.$msg, parsed.params);
    } catch {
      // Not ours after all: show it as it is.
    }
  }
  return { text: stored };
}

/**
 * What a stored message says in the reader's language (`t` is the page's translator). A
 * parameter that is itself a stored message (a quarantine reason quoting the last error) is
 * rendered first, in the same language.
 */
export function renderMessage(t: Translate, stored: string | EngineMessage | null | undefined): string {
  const message = typeof stored === 'string' || stored === null || stored === undefined ? readMessage(stored) : stored;
  if (!message) return '';
  if ('text' in message) return message.text;
  if (!message.params) return t(message.key);
  const params: MessageParams = {};
  for (const [name, value] of Object.entries(message.params)) params[name] = typeof value === 'string' && value.startsWith(MARK) ? renderMessage(t, value) : value;
  return t(message.key, params);
}

const english = translator('en');

/** The English sentence, for exceptions and server logs (pages render the code per reader). */
export function inEnglish(message: EngineMessage): string {
  return renderMessage(english, message);
}

/** The downstream's own words (a SCIM error's `detail`), as the quoted suffix the `engine.push.*` sentences end with. */
export function quotedDetail(detail: string | undefined): string {
  return detail ? ` "${detail}"` : '';
}
