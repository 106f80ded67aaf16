import type { Request, Response } from 'express';
import type { ScimLocation } from '../../lib/scim/presenters.js';
import type { PullClient } from '../../lib/scim/pull/pull-client.js';
import type { QueryContext } from '../../lib/scim/query/resource-store.js';
import { ScimError, scimErrorBody } from '../../lib/scim/scim-error.js';
import type { ScimServerDeps } from '../../lib/scim/scim-server-deps.js';
import { SCIM_MEDIA_TYPE } from '../../lib/scim/urns.js';

/** What the routes keep on `res.locals` for the pull log. */
export interface ScimLocals {
  pullClient?: PullClient;
  /** Resources in the response body, for the pull log. */
  resultCount?: number;
}

export function sendScim(res: Response, status: number, body: unknown): void {
  res.status(status).type(SCIM_MEDIA_TYPE).json(body);
}

export function sendScimError(res: Response, error: ScimError): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  (res.locals as ScimLocals).resultCount = 0;
  sendScim(res, error.status, scimErrorBody(error));
}

/** The authenticated pull client; the auth middleware guarantees one on every SCIM route. */
export function pullClientOf(req: Request): PullClient {
  const client = (req as Request & { pullClient?: PullClient }).pullClient;
  if (!client) throw new ScimError(401, 'authentication required', undefined, { 'WWW-Authenticate': 'Bearer realm="scim-sync-center"' });
  return client;
}

/** `meta.location` base: `publicUrl` when the host set it, else this request's origin and mount. */
export function locationOf(req: Request, deps: Pick<ScimServerDeps, 'publicUrl'>): ScimLocation {
  const base = deps.publicUrl ? `${deps.publicUrl}/scim/v2` : `${req.protocol}://${req.get('host')}${req.baseUrl}`;
  return { base };
}

export function queryContextOf(req: Request, deps: Pick<ScimServerDeps, 'queries'>): QueryContext {
  return deps.queries(pullClientOf(req));
}

/** 405 with `Allow`: the server is read-only. */
export function methodNotAllowed(allow: string) {
  return (req: Request, res: Response): void => {
    sendScimError(res, new ScimError(405, `${req.method} is not supported here: this SCIM server is read-only`, undefined, { Allow: allow }));
  };
}
