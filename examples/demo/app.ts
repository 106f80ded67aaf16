import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cookieParser from 'cookie-parser';
import express from 'express';
import { createSyncCenter, type Logger, type SyncCenter } from '../../index.js';
import { AlertFeed } from './alert-feed.js';
import { currentAccount, demoAuth } from './auth.js';
import { demoCsrf, isCsrfError } from './csrf.js';
import { demoText } from './demo-text.js';
import { directoryRoutes } from './directory-routes.js';
import { HostStore } from './host-store.js';
import { offerDemoLdap, type DemoLdapDestination } from './ldap/offer-ldap.js';
import { seedStore } from './seed.js';

export interface DemoOptions {
  /** Where the demo keeps its databases and its development key. */
  dataDir: string;
  /** The URL people reach the demo at, for the pull URLs the console shows. */
  publicOrigin: string;
  /** The demo downstream app, offered as a ready-made push target. */
  downstream?: { scimUrl: string; url: string; token: string };
  /** The demo's slapd, offered as a disabled LDAP destination (absent without slapd). */
  ldap?: DemoLdapDestination;
  logger?: Logger;
}

export interface DemoApp {
  app: express.Express;
  center: SyncCenter;
  store: HostStore;
  /** Lines worth printing at start. */
  notes: string[];
  close(): Promise<void>;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));

/**
 * A small host IdP: its own login, its own directory tables, and the sync center mounted at
 * /sync-center, with every directory change reported through center.changes.
 */
export async function createDemoApp(options: DemoOptions): Promise<DemoApp> {
  mkdirSync(options.dataDir, { recursive: true });
  const notes: string[] = [];
  const { key, created } = developmentKey(options.dataDir);
  notes.push(created ? `created a development secret key in ${path.join(options.dataDir, 'dev-secret-key')} (keep it: it decrypts stored push credentials)` : `using the development secret key in ${path.join(options.dataDir, 'dev-secret-key')}`);

  const store = new HostStore(path.join(options.dataDir, 'demo-idp.sqlite'));
  await store.init();
  const seeded = await store.isEmpty();
  if (seeded) await seedStore(store);

  // Alerts go to the terminal and to a banner on the demo's own pages.
  const alerts = new AlertFeed(options.logger ? (line) => options.logger!.info(line) : console.log);
  const center = createSyncCenter({
    directory: store.directory(),
    admin: {
      isAdmin: (req) => currentAccount(req as express.Request)?.role === 'admin',
      // The viewer account is a reader: every page and log of the console, no changes.
      canView: (req) => currentAccount(req as express.Request)?.role === 'viewer',
      actor: (req) => currentAccount(req as express.Request)?.username ?? 'unknown',
      loginUrl: '/login',
      // The header's way back to this host, and its sign-out (a page with the host's POST form).
      homeUrl: '/',
      homeLabel: { en: 'Demo IdP', 'zh-CN': '演示 IdP' },
      signOutUrl: '/logout',
    },
    sqliteFile: path.join(options.dataDir, 'sync-center.sqlite'),
    secretKey: key,
    publicUrl: `${options.publicOrigin}/sync-center`,
    links: { upstreamSync: '/upstream-sync' },
    // The demo downstream listens on http://127.0.0.1; a real deployment keeps https-only and public addresses.
    allowHttpPush: true,
    allowPrivatePush: true,
    logger: options.logger,
    alerts: { notify: (alert) => alerts.notify(alert) },
  });
  await center.migrate();
  const report = await center.reconcile();
  notes.push(
    `${seeded ? 'seeded' : 'loaded'} the directory: ${report.orgs.created + report.orgs.updated + report.orgs.unchanged} orgs, ${report.users.created + report.users.updated + report.users.unchanged} users in the mirror`,
  );

  if (options.downstream) notes.push(await offerDemoDownstream(center, options.downstream));
  if (options.ldap) notes.push(await offerDemoLdap(center, options.ldap));

  const app = express();
  app.disable('x-powered-by');
  app.set('views', path.join(HERE, 'views'));
  app.set('view engine', 'ejs');
  const auth = demoAuth(key, { logger: options.logger ?? console });
  app.use(auth.session);
  // The center brings its own body parsing and CSRF check; the host's start below its mount.
  app.use('/sync-center', center.router);
  app.use((req, res, next) => {
    res.locals.user = currentAccount(req);
    Object.assign(res.locals, demoText(req));
    res.locals.downstreamUrl = options.downstream?.url ?? null;
    res.locals.alerts = res.locals.user?.role === 'admin' ? alerts.open() : [];
    next();
  });
  app.use(cookieParser());
  app.use(express.urlencoded({ extended: false, limit: '32kb' }));
  app.use(demoCsrf(key));
  app.use(auth.routes);
  app.get('/', (_req, res) => res.render('home'));
  app.get('/upstream-sync', (_req, res) => res.render('upstream'));
  app.use('/directory', directoryRoutes(store, center));
  app.use((error: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (!isCsrfError(error)) return next(error);
    res.status(403).render('message', { message: res.locals.text.formExpired });
  });

  return {
    app,
    center,
    store,
    notes,
    async close() {
      await center.close();
      await store.close();
    },
  };
}

export const DEMO_SOURCE_NAME = '演示下游应用 Demo downstream app';

/**
 * On first start, a push source pointed at the demo downstream, enabled and fully synced once,
 * so that a newcomer sees a push work at once; every later directory edit arrives incrementally.
 * An admin who deleted it gets it back at the next start.
 */
async function offerDemoDownstream(center: SyncCenter, downstream: NonNullable<DemoOptions['downstream']>): Promise<string> {
  const existing = (await center.sources.list()).find((source) => source.name === DEMO_SOURCE_NAME);
  if (existing) {
    // The downstream keeps its data in memory: after a restart it is empty. A manual sync reads
    // what it holds and recreates what it lacks (test/examples/demo-restart.test.ts).
    if (existing.enabled) await center.runs.start(existing.id, { actor: 'demo' }).catch(() => undefined);
    return `push source "${DEMO_SOURCE_NAME}" → ${downstream.url} (re-synced at start)`;
  }
  const { source } = await center.sources.create(
    {
      name: DEMO_SOURCE_NAME,
      description: 'The demo downstream SCIM app (scimmy) on 127.0.0.1',
      mode: 'push',
      push: { auth: 'bearer', token: downstream.token, userUrl: `${downstream.scimUrl}/Users`, orgUrl: `${downstream.scimUrl}/Organizations`, orgResource: 'organization' },
    },
    { actor: 'demo' },
  );
  await center.sources.enable(source.id, { actor: 'demo' });
  await center.runs.start(source.id, { actor: 'demo' });
  return `created push source "${DEMO_SOURCE_NAME}" → ${downstream.url}, enabled, first full sync started`;
}

/** A key kept next to the demo data, so stored credentials survive restarts. Never for production. */
function developmentKey(dataDir: string): { key: string; created: boolean } {
  const file = path.join(dataDir, 'dev-secret-key');
  if (existsSync(file)) return { key: readFileSync(file, 'utf8').trim(), created: false };
  const key = randomBytes(32).toString('base64');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, created: true };
}
