import { Router } from 'express';
import { parseLocalDateTime, toLocalDateTimeInput } from '../../lib/i18n/format.js';
import type { ResolvedOptions } from '../../lib/options.js';
import type { LogFilter } from '../../lib/runs/incremental-log.js';
import type { SyncCenter } from '../../lib/sync-center.js';
import { PAGE_SIZE, paging, requestedPage } from './paging.js';

export const DELIVERY_RESULTS = ['succeeded', 'failed', 'retrying', 'rejected', 'skipped'] as const;
export const PULL_RESULTS = ['ok', 'error'] as const;
const KINDS = ['user', 'org'] as const;

/**
 * "Incremental sync log": a push source's delivery attempts or a pull source's SCIM requests,
 * exactly as the engines wrote them, newest first. No rows means an honest empty state.
 */
export function logRoutes(center: Pick<SyncCenter, 'sources' | 'logs'>, options: Pick<ResolvedOptions, 'timezone'>): Router {
  const router = Router();
  const { sources, logs } = center;
  const timeZone = options.timezone;

  router.get('/sources/:id/log', async (req, res) => {
    const source = await sources.get(req.params.id);
    const results: readonly string[] = source.mode === 'push' ? DELIVERY_RESULTS : PULL_RESULTS;
    const query = { result: one(req.query.result), kind: one(req.query.kind), from: one(req.query.from), to: one(req.query.to) };
    const page = requestedPage(req);
    const filter: LogFilter = { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE };
    if (results.includes(query.result)) filter.result = query.result;
    if (source.mode === 'push' && (KINDS as readonly string[]).includes(query.kind)) filter.kind = query.kind as LogFilter['kind'];
    filter.from = parseLocalDateTime(query.from, timeZone);
    // "To" names a minute the admin sees; include all of it.
    const to = parseLocalDateTime(query.to, timeZone);
    filter.to = to ? new Date(new Date(to).getTime() + 59_999).toISOString() : undefined;
    const { entries, total } = source.mode === 'push' ? await logs.deliveries(source.id, filter) : await logs.pulls(source.id, filter);
    const applied = {
      result: filter.result ?? '',
      kind: filter.kind ?? '',
      from: filter.from ? toLocalDateTimeInput(filter.from, timeZone) : '',
      to: to ? toLocalDateTimeInput(to, timeZone) : '',
    };
    res.render('logs/incremental', {
      source,
      entries,
      results,
      kinds: KINDS,
      filters: applied,
      filtered: Object.values(applied).some((value) => value !== ''),
      paging: paging(req, page, total, applied),
    });
  });

  return router;
}

function one(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
