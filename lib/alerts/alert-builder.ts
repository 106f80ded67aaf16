import { randomUUID } from 'node:crypto';
import { engineMessage, readMessage, renderMessage, storeMessage, type EngineMessage, type EngineMessageKey } from '../i18n/engine-message.js';
import { LOCALES, translator, type Locale } from '../i18n/index.js';
import type { Alert, AlertKind, AlertSeverity } from './alert.js';

/** What a trigger knows; the builder adds the id, the texts in both languages and the URL. */
export interface AlertInput {
  kind: AlertKind;
  severity: AlertSeverity;
  source: { id: string; name: string };
  runId?: number;
  message: EngineMessage;
  action: EngineMessage;
  /** Relative to the console's mount point, without a leading slash. */
  path: string;
}

const TRANSLATORS = Object.fromEntries(LOCALES.map((locale) => [locale, translator(locale)])) as Record<Locale, ReturnType<typeof translator>>;

/** No I/O: the input, the time and `publicUrl` make the alert (and a fresh id). */
export function buildAlert(input: AlertInput, at: Date, publicUrl: string | undefined): Alert {
  const inEach = (message: EngineMessage) => Object.fromEntries(LOCALES.map((locale) => [locale, renderMessage(TRANSLATORS[locale], message)])) as Record<Locale, string>;
  return {
    id: randomUUID(),
    kind: input.kind,
    severity: input.severity,
    at: at.toISOString(),
    sourceId: input.source.id,
    sourceName: input.source.name,
    ...(input.runId === undefined ? {} : { runId: input.runId }),
    message: input.message,
    action: input.action,
    text: inEach(input.message),
    actionText: inEach(input.action),
    path: input.path,
    ...(publicUrl ? { url: `${publicUrl.replace(/\/+$/, '')}/${input.path}` } : {}),
  };
}

/** The console path of a source, and of one of its runs. */
export function sourcePath(sourceId: string, rest = ''): string {
  return `sources/${encodeURIComponent(sourceId)}${rest}`;
}

/** Where the fix is and what it is, from the quarantine's reason code (what actually happened). */
export function quarantineFix(reason: string | null): { action: EngineMessage; anchor: string } {
  const key = messageKeyOf(reason);
  if (key === 'engine.quarantine.unauthorized') return { action: engineMessage('engine.alert.action.credentials'), anchor: '#parameters-title' };
  if (key === 'engine.quarantine.forbidden') return { action: engineMessage('engine.alert.action.permission'), anchor: '#parameters-title' };
  if (key === 'engine.quarantine.config') return { action: engineMessage('engine.alert.action.configuration'), anchor: '#parameters-title' };
  return { action: engineMessage('engine.alert.action.downstream'), anchor: '' };
}

/** A stored message (or legacy text) as a parameter of an alert's sentence: codes stay codes. */
export function asParam(stored: string | null | undefined, fallback: EngineMessageKey): string {
  return stored ? stored : storeMessage(engineMessage(fallback));
}

function messageKeyOf(stored: string | null): string | undefined {
  const message = readMessage(stored);
  return message && 'key' in message ? message.key : undefined;
}
