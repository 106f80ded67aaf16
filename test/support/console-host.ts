import type { AddressInfo } from 'node:net';
import express from 'express';
import type { AdminAccess } from '../../lib/hooks/admin.js';
import type { Directory } from '../../lib/hooks/directory.js';
import type { SyncCenterOptions } from '../../lib/options.js';
import { buildDirectory } from './factories.js';
import { MemoryDirectory } from './memory-directory.js';
import { createTestCenter, type TestCenter } from './test-center.js';

/** Deliberately not /sync-center, so a hard-coded path in a page or script fails the browser test. */
export const HOST_MOUNT = '/acme/admin/sync-console';
export const UPSTREAM_PATH = '/acme/admin/upstream';

export interface ConsoleHost extends TestCenter {
  /** http://127.0.0.1:<port> */
  origin: string;
  /** origin + HOST_MOUNT */
  consoleUrl: string;
  /** Lets reads of the host's user pages through (see `holdUserPages`). */
  releaseUserPages(): void;
}

/**
 * A small host IdP on a real port for the browser: every visitor is an admin (no login), the
 * center mounted under HOST_MOUNT, a directory of a few orgs and users that the host has
 * already reported through center.changes.
 */
export async function startConsoleHost(options: { holdUserPages?: boolean; admin?: Partial<AdminAccess>; center?: Partial<SyncCenterOptions> } = {}): Promise<ConsoleHost> {
  const seed = buildDirectory(3, 8);
  const directory = new MemoryDirectory(seed);
  // Holding the user pages keeps a manual sync "running" until the test lets it go, so the page's
  // live progress can be watched without sleeping.
  let releaseUserPages = () => {};
  if (options.holdUserPages) {
    const held = new Promise<void>((resolve) => (releaseUserPages = resolve));
    const listUsers = directory.listUsers.bind(directory);
    (directory as Directory).listUsers = async (request) => {
      await held;
      return listUsers(request);
    };
  }
  const test = await createTestCenter(
    {
      admin: { isAdmin: () => true, actor: () => 'browser-admin', ...options.admin },
      links: { upstreamSync: UPSTREAM_PATH },
      allowHttpPush: true,
      allowPrivatePush: true,
      ...options.center,
    },
    directory,
  );
  // The host reported everything but its newest user, and one rename went unreported: the drift
  // a pull source's manual sync repairs, so its run has per-object rows to show.
  const [renamed, ...reported] = seed.users;
  const missed = reported.pop()!;
  await test.center.changes.apply([
    ...seed.orgs.map((org) => ({ type: 'orgUpserted' as const, org })),
    ...[renamed!, ...reported].map((user) => ({ type: 'userUpserted' as const, user })),
  ]);
  directory.users.set(renamed!.id, { ...renamed!, displayName: `${renamed!.displayName} (renamed)` });
  directory.users.set(missed.id, missed);
  const app = express();
  app.get(UPSTREAM_PATH, (_req, res) => {
    res.type('html').send('<!doctype html><title>Upstream sync</title><h1>Upstream sync (host page)</h1>');
  });
  app.use(HOST_MOUNT, test.center.router);
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    ...test,
    app,
    origin,
    consoleUrl: `${origin}${HOST_MOUNT}`,
    releaseUserPages,
    async close() {
      releaseUserPages();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await test.close();
    },
  };
}
