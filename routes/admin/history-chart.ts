import type { Locale } from '../../lib/i18n/index.js';
import type { SourceHistory } from '../../lib/status/source-status.js';

const HOUR_MS = 3_600_000;
/** The SVG's own units; it scales to the card's width (and scrolls on a phone rather than shrink its text away). */
export const CHART = { width: 880, height: 170, left: 44, right: 8, top: 22, bottom: 30 } as const;

export interface ChartBar {
  x: number;
  width: number;
  deliveredY: number;
  deliveredHeight: number;
  failedY: number;
  failedHeight: number;
  /** "2 Dec, 14:00": the hour the bar covers, in the center's time zone. */
  label: string;
  delivered: number;
  failed: number;
}

export interface HistoryChart {
  frame: typeof CHART;
  bars: ChartBar[];
  /** Midnights (center's time zone): a line and the day's name. */
  days: Array<{ x: number; label: string }>;
  runs: Array<{ x: number; failed: boolean; label: string }>;
  /** The top of the y scale, and where its line sits. */
  max: number;
  plotTop: number;
  plotBottom: number;
  /** The same numbers per day: the chart's text alternative. */
  table: Array<{ day: string; delivered: number; failed: number; runs: number }>;
  totals: { delivered: number; failed: number; runs: number; peak: number };
}

/**
 * The geometry of the history chart, drawn by the view as inline SVG: no script, no library.
 * Bars are deliveries per hour with the failures stacked on them; full syncs are marks above.
 */
export function historyChart(history: SourceHistory, locale: Locale, timeZone?: string): HistoryChart {
  const plotTop = CHART.top;
  const plotBottom = CHART.height - CHART.bottom;
  const plotHeight = plotBottom - plotTop;
  const slot = (CHART.width - CHART.left - CHART.right) / Math.max(1, history.hours.length);
  const peak = Math.max(0, ...history.hours.map((hour) => hour.delivered + hour.failed));
  const max = niceCeiling(peak);
  const first = Date.parse(`${history.from}:00:00.000Z`);
  const hourLabel = new Intl.DateTimeFormat(locale, { timeZone, month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const dayLabel = new Intl.DateTimeFormat(locale, { timeZone, month: 'short', day: 'numeric', weekday: 'short' });
  const localHour = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', hourCycle: 'h23' });

  const bars: ChartBar[] = [];
  const days: HistoryChart['days'] = [];
  const table: HistoryChart['table'] = [];
  history.hours.forEach((hour, index) => {
    const at = new Date(first + index * HOUR_MS);
    const x = CHART.left + index * slot;
    const deliveredHeight = scaled(hour.delivered, max, plotHeight);
    const failedHeight = scaled(hour.failed, max, plotHeight);
    bars.push({
      x: round(x + slot * 0.1),
      width: round(slot * 0.8),
      deliveredY: round(plotBottom - deliveredHeight),
      deliveredHeight: round(deliveredHeight),
      failedY: round(plotBottom - deliveredHeight - failedHeight),
      failedHeight: round(failedHeight),
      label: hourLabel.format(at),
      delivered: hour.delivered,
      failed: hour.failed,
    });
    const day = dayLabel.format(at);
    if (index === 0 || Number(localHour.format(at)) % 24 === 0) {
      // A day starting too near the right edge gets its line but no name (it would be cut off).
      if (index > 0) days.push({ x: round(x), label: x < CHART.width - CHART.right - 80 ? day : '' });
      table.push({ day, delivered: 0, failed: 0, runs: 0 });
    }
    const row = table[table.length - 1]!;
    row.delivered += hour.delivered;
    row.failed += hour.failed;
  });

  const runs: HistoryChart['runs'] = [];
  for (const run of history.runs) {
    const index = Math.floor((Date.parse(run.finishedAt) - first) / HOUR_MS);
    if (index < 0 || index >= history.hours.length) continue;
    runs.push({ x: round(CHART.left + (index + 0.5) * slot), failed: run.status === 'failed', label: hourLabel.format(new Date(run.finishedAt)) });
    const day = dayLabel.format(new Date(first + index * HOUR_MS));
    const row = table.find((entry) => entry.day === day);
    if (row) row.runs += 1;
  }
  const totals = {
    delivered: table.reduce((sum, row) => sum + row.delivered, 0),
    failed: table.reduce((sum, row) => sum + row.failed, 0),
    runs: runs.length,
    peak,
  };
  return { frame: CHART, bars, days, runs, max, plotTop, plotBottom, table, totals };
}

/** 1, 2, 5, 10, 20, 50…: a scale top an admin reads at a glance. */
function niceCeiling(value: number): number {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** Heights in proportion, but a non-zero hour is never invisible. */
function scaled(value: number, max: number, height: number): number {
  if (value <= 0) return 0;
  return Math.max(1.5, (value / max) * height);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
