/**
 * One host instance in a process of its own, for the multi-process test and the multi-instance
 * benchmark: `node --import tsx test/support/worker-process.ts`, started with an IPC channel
 * (`child_process.fork`) and this environment:
 *
 * - `SYNC_WORKER_PG_URL`: the PostgreSQL database;
 * - `SYNC_WORKER_SCHEMA`: the schema every instance shares (knex `searchPath`), already migrated;
 * - `SYNC_WORKER_PUSH`: the `push` options as JSON (short lease TTL and poll interval in tests).
 *
 * It starts a center (delivery workers and schedules), sends `{ type: 'ready', pid }` to its
 * parent, and on SIGTERM closes the center and exits 0. SIGKILL is the crash under test.
 */
import knexFactory from 'knex';
import { createSyncCenter } from '../../index.js';
import type { PushOptions } from '../../lib/options.js';
import { MemoryDirectory } from './memory-directory.js';
import { TEST_KEY } from './test-center.js';

const url = process.env.SYNC_WORKER_PG_URL;
const schema = process.env.SYNC_WORKER_SCHEMA;
if (!url || !schema) {
  console.error('worker-process: set SYNC_WORKER_PG_URL and SYNC_WORKER_SCHEMA');
  process.exit(2);
}
const push = JSON.parse(process.env.SYNC_WORKER_PUSH ?? '{}') as PushOptions;

const knex = knexFactory({ client: 'pg', connection: url, searchPath: [schema], pool: { min: 0, max: 8 } });
const prefix = `[worker ${process.pid}]`;
const center = createSyncCenter({
  database: knex,
  // The feed is written by the parent through its own center; this instance only delivers.
  directory: new MemoryDirectory(),
  admin: { isAdmin: () => false },
  secretKey: TEST_KEY,
  allowHttpPush: true,
  allowPrivatePush: true,
  logger: { info() {}, warn: (...args: unknown[]) => console.warn(prefix, ...args), error: (...args: unknown[]) => console.error(prefix, ...args) },
  push,
});

let closing = false;
process.on('SIGTERM', () => {
  if (closing) return;
  closing = true;
  void center
    .close()
    .then(() => knex.destroy())
    .then(
      () => process.exit(0),
      (error) => {
        console.error(prefix, 'close failed', error);
        process.exit(1);
      },
    );
});
// The parent went away without a signal (a crashed test run): do not linger.
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));

await center.start();
process.send?.({ type: 'ready', pid: process.pid });
