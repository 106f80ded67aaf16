import { Router, type Request } from 'express';
import type { AuditEntry, AuditFilter } from '../../lib/audit-log.js';
import { parseLocalDateTime, toLocalDateTimeInput } from '../../lib/i18n/format.js';
import type { ResolvedOptions } from '../../lib/options.js';
import type { SyncCenter } from '../../lib/sync-center.js';
import { exportFormatOf, exportQuery, sendExport, timeColumns, type ExportColumn } from './export.js';
import { readerOf } from './log-exports.js';
import { PAGE_SIZE, paging, requestedPage } from './paging.js';

const EXPORT_COLUMNS: ReadonlyArray<ExportColumn<AuditEntry>> = [
  { header: 'actor', value: (entry) => entry.actor },
  { header: 'action', value: (entry) => entry.action },
  { header: 'sourceId', value: (entry) => entry.sourceId },
  { header: 'detail', value: (entry) => (entry.detail ? JSON.stringify(entry.detail) : null) },
];

/** "Audit log": who did what, in the console or through the API; filtered, paged and exportable. */
export function auditRoutes(center: Pick<SyncCenter, 'audit' | 'sources'>, options: Pick<ResolvedOptions, 'timezone'>): Router {
  const router = Router();
  const timeZone = options.timezone;

  /** The filter in the query string, and the same values as the form shows them. */
  const filterOf = (req: Request) => {
    const text = (name: string) => (typeof req.query[name] === 'string' ? (req.query[name] as string).trim().slice(0, 200) : '');
    const form = { actor: text('actor'), action: text('action'), source: text('source'), from: text('from'), to: text('to') };
    const from = parseLocalDateTime(form.from, timeZone);
    const to = parseLocalDateTime(form.to, timeZone);
    const filter: AuditFilter = {
      actor: form.actor || undefined,
      action: form.action || undefined,
      sourceId: form.source || undefined,
      from,
      // "To" names a minute the admin sees; include all of it.
      to: to ? new Date(new Date(to).getTime() + 59_999).toISOString() : undefined,
    };
    const applied = { ...form, from: from ? toLocalDateTimeInput(from, timeZone) : '', to: to ? toLocalDateTimeInput(to, timeZone) : '' };
    return { filter, applied };
  };

  router.get('/audit', async (req, res) => {
    const { filter, applied } = filterOf(req);
    const page = requestedPage(req);
    const [{ entries, total }, actions, sources] = await Promise.all([
      center.audit.page({ ...filter, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
      center.audit.actions(),
      center.sources.list(),
    ]);
    const current = new Map(sources.map((source) => [source.id, source.name]));
    // A deleted source keeps its entries: its name comes from the entry that recorded one (create, delete).
    const sourceOf = (entry: AuditEntry) => {
      if (!entry.sourceId) return undefined;
      const name = current.get(entry.sourceId);
      if (name !== undefined) return { id: entry.sourceId, name, deleted: false };
      const recorded = entries.find((other) => other.sourceId === entry.sourceId && typeof other.detail?.name === 'string');
      return { id: entry.sourceId, name: (recorded?.detail?.name as string | undefined) ?? entry.sourceId, deleted: true };
    };
    res.render('audit/list', {
      entries,
      actions,
      sources,
      sourceOf,
      filters: applied,
      filtered: Object.values(applied).some((value) => value !== ''),
      exportQuery: exportQuery(applied),
      paging: paging(req, page, total, applied),
    });
  });

  router.get('/audit.:format', async (req, res, next) => {
    const format = exportFormatOf(req.params.format);
    if (!format) return next();
    const { filter } = filterOf(req);
    const { locale } = readerOf(res, timeZone);
    // The time as stored (ISO-8601 UTC) and as the console shows it, in the center's zone.
    const columns = [...timeColumns<AuditEntry>('at', (entry) => entry.at, locale, timeZone), ...EXPORT_COLUMNS];
    await sendExport(res, format, 'audit-log', columns, center.audit.stream(filter));
  });

  return router;
}
