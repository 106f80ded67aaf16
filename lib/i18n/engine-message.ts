import type { MessageKey, Translate } from './index.js';

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

/** What a stored message says in the reader's language (`t` is the page's translator). */
export function renderMessage(t: Translate, stored: string | EngineMessage | null | undefined): string {
  const message = typeof stored === 'string' || stored === null || stored === undefined ? readMessage(stored) : stored;
  if (!message) return '';
  return 'text' in message ? message.text : t(message.key, message.params);
}
