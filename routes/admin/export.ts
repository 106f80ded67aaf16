import type { Response } from 'express';
import { formatDateTime } from '../../lib/i18n/format.js';
import type { Locale } from '../../lib/i18n/index.js';

export type ExportFormat = 'csv' | 'json';

/** A column of an export: its header and how to read it from one record. */
export interface ExportColumn<T> {
  header: string;
  value: (record: T) => string | number | null | undefined;
}

/**
 * A time as two columns: `header` holds the stored ISO-8601 UTC instant (for programs), and
 * `${header}Local` the same instant as the console shows it, in the center's time zone and the
 * reader's language, with the zone's name (for people).
 */
export function timeColumns<T>(header: string, read: (record: T) => string | null | undefined, locale: Locale, timeZone: string | undefined): Array<ExportColumn<T>> {
  return [
    { header, value: read },
    { header: `${header}Local`, value: (record) => formatDateTime(read(record), locale, timeZone) || null },
  ];
}

/** The applied filters as the query string of an export link (`?…`, or nothing), so the export is exactly the list shown. */
export function exportQuery(applied: Record<string, string>): string {
  const query = new URLSearchParams(Object.entries(applied).filter(([, value]) => value !== '')).toString();
  return query ? `?${query}` : '';
}

/** `csv` or `json` from a `.csv` / `.json` path suffix; anything else is not an export. */
export function exportFormatOf(suffix: string | undefined): ExportFormat | undefined {
  return suffix === 'csv' || suffix === 'json' ? suffix : undefined;
}

/**
 * Streams records as a download, one row at a time, so an export of any filter never sits in
 * memory. JSON is an array of objects keyed by the headers; CSV follows RFC 4180, and a cell
 * that a spreadsheet would run as a formula (=, +, -, @, tab, CR) is prefixed with `'`.
 */
export async function sendExport<T>(res: Response, format: ExportFormat, filename: string, columns: ReadonlyArray<ExportColumn<T>>, records: AsyncIterable<T>): Promise<void> {
  res.status(200);
  res.setHeader('content-disposition', `attachment; filename="${filename}.${format}"`);
  res.setHeader('cache-control', 'no-store');
  if (format === 'csv') {
    res.type('text/csv; charset=utf-8');
    // A byte-order mark, so spreadsheet programs read the Chinese text as UTF-8.
    res.write(`\ufeff${columns.map((column) => csvCell(column.header)).join(',')}\r\n`);
    for await (const record of records) await write(res, `${columns.map((column) => csvCell(column.value(record))).join(',')}\r\n`);
  } else {
    res.type('application/json; charset=utf-8');
    res.write('[');
    let first = true;
    for await (const record of records) {
      const row = Object.fromEntries(columns.map((column) => [column.header, column.value(record) ?? null]));
      await write(res, `${first ? '' : ','}\n${JSON.stringify(row)}`);
      first = false;
    }
    res.write('\n]\n');
  }
  res.end();
}

export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Writes and waits for the socket to drain when its buffer is full (a slow client slows the export, not the heap). */
function write(res: Response, chunk: string): Promise<void> | void {
  if (res.write(chunk)) return;
  return new Promise((resolve) => res.once('drain', () => resolve()));
}
