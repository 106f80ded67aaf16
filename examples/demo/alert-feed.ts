import type { Alert } from '../../index.js';

/**
 * The demo's `alerts.notify`: prints each alert to the terminal and keeps, per source, the latest
 * one for the banner on the demo's pages. A real host would page someone, post to a chat room or
 * open a ticket here; `alert.url` is the console page that fixes it.
 */
export class AlertFeed {
  readonly #latest = new Map<string, Alert>();

  constructor(private readonly print: (line: string) => void = console.log) {}

  notify(alert: Alert): void {
    this.#latest.set(alert.sourceId, alert);
    this.print(`demo: ALERT ${alert.severity} ${alert.kind}: ${alert.text['zh-CN']} / ${alert.text.en}`);
    this.print(`demo:   what to do: ${alert.actionText.en} → ${alert.url ?? alert.path}`);
  }

  /** What still needs someone: each source's latest alert, unless it says the trouble is over. */
  open(): Alert[] {
    return [...this.#latest.values()].filter((alert) => alert.severity !== 'info').sort((a, b) => b.at.localeCompare(a.at));
  }
}
