import { Router, type Request, type Response } from 'express';
import type { ScimServerDeps } from '../../lib/scim/scim-server-deps.js';
import { listParamsFromBody, listParamsFromQuery, projectionFromQuery } from '../../lib/scim/query/list-params.js';
import type { ResourceKind } from '../../lib/scim/resources/resource-kind.js';
import { getResource, listResources, searchAll, type ListResponse } from '../../lib/scim/scim-queries.js';
import { jsonBody } from './limits.js';
import { locationOf, methodNotAllowed, queryContextOf, sendScim, type ScimLocals } from './respond.js';

/** GET list, POST .search and GET by id for one resource type; every write is 405. */
export function resourceRoutes(deps: ScimServerDeps, kind: ResourceKind): Router {
  const router = Router();
  const endpoint = kind.type.endpoint;

  router.get(endpoint, async (req, res) => {
    sendList(res, await listResources(kind, listParamsFromQuery(req.query), queryContextOf(req, deps), locationOf(req, deps)));
  });
  router.all(endpoint, methodNotAllowed('GET'));

  router.post(`${endpoint}/.search`, jsonBody(), async (req: Request, res: Response) => {
    sendList(res, await listResources(kind, listParamsFromBody(req.body), queryContextOf(req, deps), locationOf(req, deps)));
  });
  router.all(`${endpoint}/.search`, methodNotAllowed('POST'));

  router.get(`${endpoint}/:id`, async (req: Request<{ id: string }>, res) => {
    const resource = await getResource(kind, req.params.id, projectionFromQuery(req.query), queryContextOf(req, deps), locationOf(req, deps));
    const etag = (resource.meta as { version?: string } | undefined)?.version;
    (res.locals as ScimLocals).resultCount = 1;
    if (etag) {
      res.setHeader('ETag', etag);
      if (matchesIfNoneMatch(req.get('if-none-match'), etag)) {
        res.status(304).end();
        return;
      }
    }
    sendScim(res, 200, resource);
  });
  router.all(`${endpoint}/:id`, methodNotAllowed('GET'));
  return router;
}

/** POST /.search at the root, across every resource type. */
export function rootSearchRoute(deps: ScimServerDeps, kinds: readonly ResourceKind[]): Router {
  const router = Router();
  router.post('/.search', jsonBody(), async (req: Request, res: Response) => {
    sendList(res, await searchAll(kinds, listParamsFromBody(req.body), queryContextOf(req, deps), locationOf(req, deps)));
  });
  router.all('/.search', methodNotAllowed('POST'));
  return router;
}

function sendList(res: Response, list: ListResponse): void {
  (res.locals as ScimLocals).resultCount = list.Resources.length;
  sendScim(res, 200, list);
}

/** Weak comparison (RFC 9110 §13.1.2): `W/"7"` matches `"7"` and `W/"7"`; `*` matches anything. */
function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((candidate) => candidate.trim() === '*' || bare(candidate) === bare(etag));
}
