import type { Knex } from 'knex';
import { expect, vi } from 'vitest';
import { APPLY_ACTOR } from '../../lib/push/scope/pending-applies.js';
import type { Run } from '../../lib/runs/run-store.js';
import { createSyncCenter, type SyncCenter } from '../../index.js';
import type { Directory } from '../../lib/hooks/directory.js';
import { useFixture } from './fixture.js';
import { silentLogger, TEST_KEY, useTestCenter, type TestCenter } from './test-center.js';
import type { SyncCenterOptions } from '../../lib/options.js';
import type { CreateSourceInput, Source } from '../../lib/sources/source-types.js';
import { FakeScimServer } from './fake-scim-server.js';

/** Push options for tests: tiny backoffs and polls, so nothing waits on wall-clock time for long. */
export const FAST_PUSH: NonNullable<SyncCenterOptions['push']> = {
  retry: { baseMs: 5, maxMs: 40, runAttempts: 3 },
  pollIntervalMs: 50,
  leaseTtlMs: 3000,
  requestTimeoutMs: 1000,
  connectTimeoutMs: 1000,
  quarantineAfter: 50,
  quarantineMaxIntervalMs: 100,
};

/** A fresh fake downstream for every test of the calling describe, closed after it. */
export function useFakeDownstream(options?: ConstructorParameters<typeof FakeScimServer>[0]): FakeScimServer {
  return useFixture(() => new FakeScimServer(options).start());
}

/** Creates and enables a push source aimed at a fake downstream. */
export async function createPushSource(
  center: SyncCenter,
  server: { url(endpoint: string): string; options: { token: string } },
  push: Partial<NonNullable<CreateSourceInput['push']>> = {},
  name = 'Downstream app',
): Promise<Source> {
  const { source } = await center.sources.create({
    name,
    mode: 'push',
    push: { auth: 'bearer', token: server.options.token, userUrl: server.url('Users'), orgUrl: server.url('Organizations'), orgResource: 'organization', ...push },
  });
  return center.sources.enable(source.id);
}

/** A second center on the same database (another "instance" of the host). */
export async function createSiblingCenter(knex: Knex, directory: Directory, overrides: Partial<SyncCenterOptions> = {}): Promise<SyncCenter> {
  const center = createSyncCenter({
    database: knex,
    directory,
    admin: { isAdmin: () => true },
    secretKey: TEST_KEY,
    allowHttpPush: true,
    allowPrivatePush: true,
    logger: silentLogger,
    push: FAST_PUSH,
    ...overrides,
  });
  await center.migrate();
  return center;
}

/** How long a run a saved change starts may take to appear and to end: vitest's 1 s default failed on a loaded machine. */
const SETTLE_WAIT = { timeout: 20_000, interval: 50 };

/**
 * The run a saved scope or mappings change started by itself (a run after `after`), once it has
 * ended: it is found as soon as its row commits, maybe before its launch.
 */
export async function appliedRun(center: SyncCenter, sourceId: string, after = 0): Promise<Run> {
  const run = await vi.waitFor(async () => {
    const found = (await center.runs.list(sourceId)).runs.find((candidate) => candidate.id > after && candidate.startedBy === APPLY_ACTOR);
    expect(found).toBeDefined();
    return found!;
  }, SETTLE_WAIT);
  return vi.waitFor(async () => {
    const latest = await center.runs.get(run.id);
    expect(['queued', 'running']).not.toContain(latest!.status);
    return latest!;
  }, SETTLE_WAIT);
}

export type { FakeScimServer };
