import { Router, type Request, type Response } from 'express';
import type { ScimServerDeps } from '../../lib/scim/scim-server-deps.js';
import { cursorBinding, listResourcesByCursor } from '../../lib/scim/cursor-queries.js';
import { listParamsFromBody, listParamsFromQuery, projectionFromQuery, type ListParams } from '../../lib/scim/query/list-params.js';
import type { ResourceKind } from '../../lib/scim/resources/resource-kind.js';
import { ScimError } from '../../lib/scim/scim-error.js';
import { getResource, listResources, searchAll, type ListResponse } from '../../lib/scim/scim-queries.js';
import { jsonBody } from './limits.js';
import { locationOf, methodNotAllowed, pullClientOf, queryContextOf, sendScim, type ScimLocals } from './respond.js';

/** GET list, POST .search and GET by id for one resource type; every write is 405. */
export function resourceRoutes(deps: ScimServerDeps, kind: ResourceKind): Router {
  const router = Router();
  const endpoint = kind.type.endpoint;

  router.get(endpoint, async (req, res) => {
    sendList(res, await list(deps, kind, listParamsFromQuery(req.query), req));
  });
  router.all(endpoint, methodNotAllowed('GET'));

  router.post(`${endpoint}/.search`, jsonBody(), async (req: Request, res: Response) => {
    sendList(res, await list(deps, kind, listParamsFromBody(req.body), req));
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
    const params = listParamsFromBody(req.body);
    if (params.cursor !== undefined) throw ScimError.invalidValue('cursor paging is offered per resource type (/Users, /Groups, /Organizations and their /.search), not across them; use startIndex here');
    sendList(res, await searchAll(kinds, params, queryContextOf(req, deps), locationOf(req, deps)));
  });
  router.all('/.search', methodNotAllowed('POST'));
  return router;
}

/** Index paging (the default), or RFC 9865 cursor paging when the request has a `cursor`. */
function list(deps: ScimServerDeps, kind: ResourceKind, params: ListParams, req: Request): Promise<ListResponse> {
  const context = queryContextOf(req, deps);
  if (params.cursor === undefined) return listResources(kind, params, context, locationOf(req, deps));
  return listResourcesByCursor(kind, params, context, locationOf(req, deps), deps.cursors, cursorBinding(kind, params, context, pullClientOf(req).sourceId));
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
