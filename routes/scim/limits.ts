import express, { type NextFunction, type Request, type Response } from 'express';
import type { ScimServerDeps } from '../../lib/scim/scim-server-deps.js';
import { ScimError } from '../../lib/scim/scim-error.js';
import { SCIM_MEDIA_TYPE } from '../../lib/scim/urns.js';
import { pullClientOf, sendScimError, type ScimLocals } from './respond.js';

/** A SearchRequest is a few hundred bytes; nothing else is ever posted here. */
export const BODY_LIMIT = '32kb';
const JSON_TYPES = [SCIM_MEDIA_TYPE, 'application/json'];

/** Per-source token bucket: 429 with `Retry-After` and a SCIM error body. */
export function rateLimit(deps: Pick<ScimServerDeps, 'pull'>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const decision = deps.pull.limiter.take(pullClientOf(req).sourceId);
    if (decision.allowed) return next();
    sendScimError(
      res,
      new ScimError(429, `too many requests for this source; retry in ${decision.retryAfterSeconds}s`, undefined, {
        'Retry-After': String(decision.retryAfterSeconds),
      }),
    );
  };
}

/** One pull log row per request, written after the response (off the request path). */
export function pullLog(deps: Pick<ScimServerDeps, 'pull'>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const at = deps.pull.clock().toISOString();
    const path = `/scim/v2${req.path}`;
    res.on('finish', () => {
      const locals = res.locals as ScimLocals;
      const client = locals.pullClient;
      if (!client) return;
      const filter = typeof req.query.filter === 'string' ? req.query.filter : typeof req.body?.filter === 'string' ? req.body.filter : null;
      deps.pull.log.record({
        sourceId: client.sourceId,
        clientId: client.clientId,
        at,
        method: req.method,
        path: storable(path).slice(0, 1024),
        filter: filter === null ? null : storable(filter).slice(0, 4096),
        resultCount: locals.resultCount ?? null,
        status: res.statusCode,
        durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e6),
      });
    });
    next();
  };
}

/** U+0000 cannot be stored in PostgreSQL text; the log row must survive a request that holds one. */
function storable(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD');
}

/** For the `.search` routes: JSON bodies of either SCIM media type, size-limited; anything else posted is invalidSyntax. */
export function jsonBody() {
  const parse = express.json({ type: JSON_TYPES, limit: BODY_LIMIT, strict: true });
  return [
    (req: Request, res: Response, next: NextFunction): void => {
      if (req.method === 'POST' && !req.is(JSON_TYPES)) {
        return sendScimError(res, ScimError.invalidSyntax(`the request body must be ${SCIM_MEDIA_TYPE} (or application/json)`));
      }
      next();
    },
    parse,
  ];
}
