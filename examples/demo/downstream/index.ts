import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import SCIMMY from 'scimmy';
import SCIMMYRouters from 'scimmy-routers';
import { OrganizationResource } from './organization-resource.js';
import { renderPage } from './page.js';
import { UserOrgsSchema } from './schemas.js';
import { DownstreamStore, type Kind } from './store.js';

export interface DemoDownstreamOptions {
  /** Port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** The bearer token the IdP must send. */
  token: string;
}

export interface DemoDownstream {
  /** e.g. http://127.0.0.1:4100 */
  url: string;
  /** The SCIM base: `${url}/scim/v2`; User URL = `${scimUrl}/Users`, Org URL = `${scimUrl}/Organizations` or `/Groups`. */
  scimUrl: string;
  port: number;
  store: DownstreamStore;
  close(): Promise<void>;
}

/**
 * scimmy keeps its resource declarations and config process-wide, so they are declared once and
 * each downstream instance reaches its own store through the router's `context`.
 */
let declared = false;
function declareResources(): void {
  if (declared) return;
  declared = true;
  SCIMMY.Config.set({ patch: true, filter: true, sort: false, bulk: false, changePassword: false, etag: false });
  const handlers = (kind: Kind) => ({
    ingress: (resource: { id?: string }, data: Record<string, unknown>, store: DownstreamStore) => store.save(kind, resource.id, data),
    egress: (resource: { id?: string; filter?: { match(values: unknown[]): unknown[] } }, store: DownstreamStore) => {
      if (resource.id) return store.get(kind, resource.id);
      const all = store.list(kind);
      if (!resource.filter) return all;
      // scimmy 1.3's filter throws on a resource that lacks a multi-valued attribute the filter
      // names (`emails[type eq "work" …]` and a user without e-mails): match on copies that have them.
      const byId = new Map(all.map((stored) => [stored.id, stored]));
      const matchable = all.map((stored) => ({ emails: [], phoneNumbers: [], members: [], ...stored }));
      return resource.filter.match(matchable).map((copy) => byId.get((copy as { id: string }).id)!);
    },
    degress: (resource: { id?: string }, store: DownstreamStore) => store.remove(kind, resource.id!),
  });
  const declare = (Resource: any, kind: Kind) => {
    const { ingress, egress, degress } = handlers(kind);
    SCIMMY.Resources.declare(Resource).ingress(ingress).egress(egress).degress(degress);
  };
  SCIMMY.Resources.User.extend(SCIMMY.Schemas.EnterpriseUser, false);
  SCIMMY.Resources.User.extend(UserOrgsSchema as any, false);
  declare(SCIMMY.Resources.User, 'users');
  declare(SCIMMY.Resources.Group, 'groups');
  declare(OrganizationResource, 'orgs');
}

/**
 * The demo's downstream app: a third-party SCIM 2.0 server built on scimmy + scimmy-routers,
 * with Users, Groups and an Organization resource type, its own bearer token, an in-memory
 * store, and a page at `/` listing what it received and its token (a demo secret, shown on
 * purpose). Listens on 127.0.0.1 only.
 */
export async function startDemoDownstream(options: DemoDownstreamOptions): Promise<DemoDownstream> {
  declareResources();
  const store = new DownstreamStore();
  const expected = Buffer.from(`Bearer ${options.token}`);
  const app = express();
  app.disable('x-powered-by');
  // Filled in once the port is known: the page shows the SCIM URL and token for copying.
  const connection = { scimUrl: '', token: options.token };
  app.get('/', (_req, res) => {
    res.type('html').send(renderPage(store, connection));
  });
  // scimmy-routers casts startIndex and count to numbers by assigning to `req.query`, which
  // Express 5 re-parses on every read: without a plain copy, paging is ignored (every page is the first 20).
  app.use('/scim/v2', (req, _res, next) => {
    Object.defineProperty(req, 'query', { value: { ...req.query }, writable: true, configurable: true, enumerable: true });
    next();
  });
  app.use(
    '/scim/v2',
    new SCIMMYRouters({
      type: 'bearer',
      docUri: 'https://datatracker.ietf.org/doc/html/rfc6750',
      handler: (req: express.Request) => {
        const given = Buffer.from(req.get('authorization') ?? '');
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Error('Authorization failed');
        return 'idp';
      },
      context: () => store,
    }) as unknown as express.Router,
  );
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  connection.scimUrl = `${url}/scim/v2`;
  return {
    url,
    scimUrl: `${url}/scim/v2`,
    port,
    store,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
