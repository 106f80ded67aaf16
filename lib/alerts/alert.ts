import type { EngineMessage } from '../i18n/engine-message.js';
import type { Locale } from '../i18n/index.js';

/** What an alert is about; stable, so hosts may switch on it. */
export type AlertKind =
  | 'source_quarantined'
  | 'source_resumed'
  | 'deletions_held'
  | 'run_failed'
  | 'run_finished_with_failures'
  | 'backlog_stale';

/** `critical`: delivery stopped; `warning`: something needs an admin; `info`: it is over. */
export type AlertSeverity = 'critical' | 'warning' | 'info';

/**
 * Something an operator should know or act on, as the host's `alerts.notify(alert)` receives it
 * and `center.events` emits it (`'alert'`). Everything an admin reads comes as a code with
 * parameters (`message`, `action`, to render in any language with the center's catalogue) and
 * already rendered in both languages the console speaks (`text`, `actionText`).
 */
export interface Alert {
  /** Unique per occurrence; a host that forwards alerts may use it to drop a repeat. */
  id: string;
  kind: AlertKind;
  severity: AlertSeverity;
  /** When it happened (ISO 8601, the center's clock). */
  at: string;
  sourceId: string;
  sourceName: string;
  /** The run it is about, for run alerts. */
  runId?: number;
  /** What happened, as a catalogue code and parameters (a parameter may itself be a stored message). */
  message: EngineMessage;
  /** What to do about it, as a catalogue code. */
  action: EngineMessage;
  /** `message` in each language. */
  text: Record<Locale, string>;
  /** `action` in each language. */
  actionText: Record<Locale, string>;
  /**
   * The console page that fixes it, relative to where the host mounted the router: e.g.
   * `sources/3f…/#parameters-title`. A host builds the URL as `<mount URL>/<path>`; the center
   * does so itself in `url` when `publicUrl` is set.
   */
  path: string;
  /** `publicUrl` + `/` + `path`, when the host set `publicUrl`. */
  url?: string;
}
