import type { Response } from 'express';
import { renderMessage } from '../../lib/i18n/engine-message.js';
import type { Locale, Translate } from '../../lib/i18n/index.js';
import type { DeliveryLogEntry, PullLogEntry } from '../../lib/runs/incremental-log.js';
import type { LoggedOutcome } from '../../lib/runs/object-outcome.js';
import type { RunItem } from '../../lib/runs/run-store.js';
import { timeColumns, type ExportColumn } from './export.js';

/** Who reads the export: its local times and its messages are in their language and the center's zone. */
export interface ExportReader {
  t: Translate;
  locale: Locale;
  timeZone: string | undefined;
}

/** The page's language and the center's zone, for an export's local times and messages. */
export function readerOf(res: Response, timeZone: string | undefined): ExportReader {
  return { t: res.locals.t as Translate, locale: res.locals.locale as Locale, timeZone };
}

/**
 * The columns of the three log exports. Headers are stable field names (a program reads them);
 * codes (`result`, `operation`, `kind`) stay codes; an error the engine stored as a message code
 * is written as the reader's sentence.
 */
export function deliveryColumns(reader: ExportReader): ReadonlyArray<ExportColumn<DeliveryLogEntry>> {
  return [
    ...timeColumns<DeliveryLogEntry>('at', (entry) => entry.at, reader.locale, reader.timeZone),
    { header: 'changeSeq', value: (entry) => entry.changeSeq },
    { header: 'attempt', value: (entry) => entry.attempt },
    ...outcomeColumns<DeliveryLogEntry>(reader),
  ];
}

export function runItemColumns(reader: ExportReader): ReadonlyArray<ExportColumn<RunItem>> {
  return [...timeColumns<RunItem>('at', (item) => item.at, reader.locale, reader.timeZone), ...outcomeColumns<RunItem>(reader)];
}

export function pullColumns(reader: ExportReader): ReadonlyArray<ExportColumn<PullLogEntry>> {
  return [
    ...timeColumns<PullLogEntry>('at', (entry) => entry.at, reader.locale, reader.timeZone),
    { header: 'clientId', value: (entry) => entry.clientId },
    { header: 'method', value: (entry) => entry.method },
    { header: 'path', value: (entry) => entry.path },
    { header: 'filter', value: (entry) => entry.filter },
    { header: 'resultCount', value: (entry) => entry.resultCount },
    { header: 'status', value: (entry) => entry.status },
    { header: 'durationMs', value: (entry) => entry.durationMs },
  ];
}

function outcomeColumns<T extends Required<LoggedOutcome>>(reader: ExportReader): Array<ExportColumn<T>> {
  return [
    { header: 'kind', value: (entry) => entry.kind },
    { header: 'objectId', value: (entry) => entry.objectId },
    { header: 'objectName', value: (entry) => entry.objectName },
    { header: 'operation', value: (entry) => entry.operation },
    { header: 'result', value: (entry) => entry.result },
    { header: 'method', value: (entry) => entry.method },
    { header: 'path', value: (entry) => entry.path },
    { header: 'httpStatus', value: (entry) => entry.httpStatus },
    { header: 'durationMs', value: (entry) => entry.durationMs },
    { header: 'error', value: (entry) => errorCell(reader.t, entry.error) },
    { header: 'changes', value: (entry) => (entry.changes ? JSON.stringify(entry.changes) : null) },
  ];
}

/** One place that turns a stored error into text, so a change of how errors are stored changes only this. */
function errorCell(t: Translate, stored: string | null | undefined): string | null {
  return renderMessage(t, stored) || null;
}
