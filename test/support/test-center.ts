import express from 'express';
import type { Knex } from 'knex';
import { createSyncCenter, type SyncCenter } from '../../index.js';
import type { SyncCenterOptions } from '../../lib/options.js';
import { useFixture, type FixtureOptions } from './fixture.js';
import { MemoryDirectory } from './memory-directory.js';
import { createTestDatabase } from './test-database.js';

export const TEST_KEY = 'test-secret-key-with-at-least-32-characters!';
/** Tests mount the center here, never at /sync-center, so hard-coded paths fail. */
export const MOUNT = '/tenant-a/sync';
export const ADMIN_HEADER = 'x-test-admin';

export const silentLogger = { info() {}, warn() {}, error() {} };

export interface TestCenter {
  center: SyncCenter;
  directory: MemoryDirectory;
  knex: Knex;
  /** A host app with the center mounted at MOUNT; send `x-test-admin: <name>` to be an admin. */
  app: express.Express;
  close(): Promise<void>;
}

export async function createTestCenter(overrides: Partial<SyncCenterOptions> = {}, directory = new MemoryDirectory()): Promise<TestCenter> {
  const db = await createTestDatabase();
  const center = createSyncCenter({
    database: db.database,
    directory,
    admin: {
      isAdmin: (req) => Boolean((req as express.Request).get(ADMIN_HEADER)),
      actor: (req) => String((req as express.Request).get(ADMIN_HEADER)),
      loginUrl: '/login',
    },
    secretKey: TEST_KEY,
    allowHttpPush: true,
    allowPrivatePush: true,
    logger: silentLogger,
    ...overrides,
  });
  await center.migrate();
  const app = express();
  app.use(MOUNT, center.router);
  return {
    center,
    directory,
    knex: db.knex,
    app,
    async close() {
      await center.close();
      await db.cleanup();
    },
  };
}

/**
 * A fresh test center (own database: sqlite in memory, or a PostgreSQL schema) for every test of
 * the calling describe, closed after it. `overrides` may be a function, read when each center is
 * built (for a clock or a directory that the describe resets per test).
 */
export function useTestCenter(
  overrides: Partial<SyncCenterOptions> | (() => Partial<SyncCenterOptions>) = {},
  directory: () => MemoryDirectory = () => new MemoryDirectory(),
  options: FixtureOptions = {},
): TestCenter {
  return useFixture(() => createTestCenter(typeof overrides === 'function' ? overrides() : overrides, directory()), options);
}
