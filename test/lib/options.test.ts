import net, { type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createSyncCenter } from '../../index.js';
import { resolveOptions, type SyncCenterOptions } from '../../lib/options.js';
import { MemoryDirectory } from '../support/memory-directory.js';
import { silentLogger, TEST_KEY } from '../support/test-center.js';

const base = (): SyncCenterOptions => ({
  directory: new MemoryDirectory(),
  admin: { isAdmin: () => true },
  secretKey: TEST_KEY,
  logger: silentLogger,
  database: { client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true },
});

describe('createSyncCenter options', () => {
  it('suggests the right name for a misspelt option', () => {
    expect(() => resolveOptions({ ...base(), timeZone: 'UTC' } as never)).toThrow(/unknown option `timeZone`\. Did you mean `timezone`\?/);
  });

  it.each([
    ['no directory', { directory: undefined }, /`directory` is required/],
    ['a directory without listOrgs', { directory: { listUsers: () => ({ items: [] }) } }, /directory\.listOrgs/],
    ['no admin hook', { admin: {} }, /admin\.isAdmin/],
    ['a short secret key', { secretKey: 'short' }, /at least 32 characters/],
    ['a relative publicUrl', { publicUrl: '/sync' }, /absolute URL/],
    ['an unknown time zone', { timezone: 'Mars/Olympus' }, /IANA time zone/],
    ['a negative retention', { tombstoneRetentionDays: -1 }, /positive number of days/],
    ['a database that is neither knex nor a config', { database: { filename: 'x' } }, /knex instance or a knex config/],
    ['an unknown link', { links: { upstream: '/x' } }, /links\.upstream`\. Did you mean `links\.upstreamSync`/],
    ['a misspelt push option', { push: { concurency: 2 } }, /unknown option `push\.concurency`\. Did you mean `push\.concurrency`\?/],
    ['a failure rate above 1', { push: { quarantineFailureRate: 90 } }, /`push\.quarantineFailureRate` must be a share over 0 and at most 1/],
    ['a fractional probe interval', { push: { probeIntervalMs: 0.5 } }, /`push\.probeIntervalMs` must be a positive whole number/],
    ['a misspelt retry option', { push: { retry: { maxMS: 10 } } }, /unknown option `push\.retry\.maxMS`\. Did you mean `push\.retry\.maxMs`\?/],
    ['an unknown pull rate option', { pullRateLimit: { requestsPerMinute: 60, burst: 5 } }, /unknown option `pullRateLimit\.burst`\. Did you mean `pullRateLimit\.requestsPerMinute`\?/],
  ])('throws a TypeError that says how to fix %s', (_label, override, message) => {
    expect(() => resolveOptions({ ...base(), ...override } as never)).toThrow(TypeError);
    expect(() => resolveOptions({ ...base(), ...override } as never)).toThrow(message);
  });

  it('names an unknown option without a suggestion when no known name is near', () => {
    expect(() => resolveOptions({ ...base(), push: { somethingElse: 1 } } as never)).toThrow(/^createSyncCenter: unknown option `push\.somethingElse`\.$/);
  });

  it('refuses to start in production without a secret key', () => {
    expect(() => resolveOptions({ ...base(), secretKey: undefined }, { NODE_ENV: 'production' })).toThrow(/no secret key in production/);
  });

  it('takes the key from SYNC_CENTER_KEY', () => {
    expect(resolveOptions({ ...base(), secretKey: undefined }, { SYNC_CENTER_KEY: TEST_KEY }).secretKey).toBe(TEST_KEY);
  });

  it('warns and uses a throw-away key outside production', () => {
    const warnings: string[] = [];
    const resolved = resolveOptions({ ...base(), secretKey: undefined, logger: { ...silentLogger, warn: (message: string) => warnings.push(message) } }, {});
    expect(resolved.secretKey.length).toBeGreaterThanOrEqual(32);
    expect(warnings[0]).toMatch(/throw-away key/);
  });

  it('fills the documented defaults', () => {
    const resolved = resolveOptions(base(), {});
    expect(resolved).toMatchObject({ allowHttpPush: false, tombstoneRetentionDays: 30, logRetentionDays: 30, links: {} });
    expect(resolved.sqliteFile).toMatch(/scim-sync-center\.sqlite$/);
  });

  it('keeps two centers in one process apart', async () => {
    const a = createSyncCenter(base());
    const b = createSyncCenter(base());
    await a.migrate();
    await b.migrate();
    await a.changes.userUpserted({ id: 'x', userName: 'x@example.com' });
    expect(await a.mirror.counts()).toEqual({ users: 1, orgs: 0 });
    expect(await b.mirror.counts()).toEqual({ users: 0, orgs: 0 });
    let heardByB = 0;
    b.events.on('changes', () => (heardByB += 1));
    await a.changes.userUpserted({ id: 'y', userName: 'y@example.com' });
    expect(heardByB).toBe(0);
    await a.close();
    await b.close();
  });

  it('does no I/O until migrate() is called', async () => {
    // A listener stands in for the database server: a center that connected would show up here.
    const connections: Socket[] = [];
    const listener = net.createServer((socket) => connections.push(socket.destroy()));
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const { port } = listener.address() as AddressInfo;
    try {
      const center = createSyncCenter({ ...base(), database: { client: 'pg', connection: `postgres://nobody@127.0.0.1:${port}/none` } });
      await center.close();
      expect(connections).toHaveLength(0);
    } finally {
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  });
});
