import { Router, type Request } from 'express';
import { parseLocalDateTime, toLocalDateTimeInput } from '../../lib/i18n/format.js';
import type { ResolvedOptions } from '../../lib/options.js';
import type { LogFilter } from '../../lib/runs/incremental-log.js';
import { normalizeSearch } from '../../lib/runs/log-search.js';
import type { Source } from '../../lib/sources/source-types.js';
import type { SyncCenter } from '../../lib/sync-center.js';
import { exportFormatOf, exportQuery, sendExport } from './export.js';
import { deliveryColumns, pullColumns, readerOf } from './log-exports.js';
import { PAGE_SIZE, paging, requestedPage } from './paging.js';

export const DELIVERY_RESULTS = ['succeeded', 'failed', 'retrying', 'rejected', 'skipped'] as const;
export const PULL_RESULTS = ['ok', 'error'] as const;
const KINDS = ['user', 'org'] as const;

/**
 * "Incremental sync log": a push source's delivery attempts or a pull source's SCIM requests,
 * exactly as the engines wrote them, newest first. No rows means an honest empty state. The
 * filters live in the query string (a GET form), so paging and the export links keep them.
 */
export function logRoutes(center: Pick<SyncCenter, 'sources' | 'logs'>, options: Pick<ResolvedOptions, 'timezone'>): Router {
  const router = Router();
  const { sources, logs } = center;
  const timeZone = options.timezone;

  /** The filter in the query string, and the same values as the form shows them. */
  const filterOf = (req: Request, source: Source) => {
    const results: readonly string[] = source.mode === 'push' ? DELIVERY_RESULTS : PULL_RESULTS;
    const query = { result: one(req.query.result), kind: one(req.query.kind), from: one(req.query.from), to: one(req.query.to) };
    const filter: LogFilter = { search: normalizeSearch(req.query.q) };
    if (results.includes(query.result)) filter.result = query.result;
    if (source.mode === 'push' && (KINDS as readonly string[]).includes(query.kind)) filter.kind = query.kind as LogFilter['kind'];
    filter.from = parseLocalDateTime(query.from, timeZone);
    // "To" names a minute the admin sees; include all of it.
    const to = parseLocalDateTime(query.to, timeZone);
    filter.to = to ? new Date(new Date(to).getTime() + 59_999).toISOString() : undefined;
    const applied = {
      q: filter.search ?? '',
      result: filter.result ?? '',
      kind: filter.kind ?? '',
      from: filter.from ? toLocalDateTimeInput(filter.from, timeZone) : '',
      to: to ? toLocalDateTimeInput(to, timeZone) : '',
    };
    return { filter, applied, results };
  };

  router.get('/sources/:id/log', async (req, res) => {
    const source = await sources.get(req.params.id);
    const { filter, applied, results } = filterOf(req, source);
    const page = requestedPage(req);
    const pageFilter = { ...filter, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE };
    const { entries, total } = source.mode === 'push' ? await logs.deliveries(source.id, pageFilter) : await logs.pulls(source.id, pageFilter);
    res.render('logs/incremental', {
      source,
      entries,
      results,
      kinds: KINDS,
      filters: applied,
      filtered: Object.values(applied).some((value) => value !== ''),
      timeZone: zoneName(timeZone),
      exportQuery: exportQuery(applied),
      paging: paging(req, page, total, applied),
    });
  });

  /** The whole filtered log as CSV or JSON, streamed a page at a time. */
  router.get('/sources/:id/log.:format', async (req, res, next) => {
    const format = exportFormatOf(req.params.format);
    if (!format) return next();
    const source = await sources.get(req.params.id);
    const { filter } = filterOf(req, source);
    const reader = readerOf(res, timeZone);
    const filename = `${source.mode === 'push' ? 'delivery' : 'pull'}-log-${source.id}`;
    if (source.mode === 'push') await sendExport(res, format, filename, deliveryColumns(reader), logs.streamDeliveries(source.id, filter));
    else await sendExport(res, format, filename, pullColumns(reader), logs.streamPulls(source.id, filter));
  });

  return router;
}

/** The zone the console shows times in, by its IANA name (the process's when the option is unset). */
export function zoneName(timeZone: string | undefined): string {
  return timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
}

function one(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
