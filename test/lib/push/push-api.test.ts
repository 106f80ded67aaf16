import { describe, expect, it } from 'vitest';
import { createSyncCenter } from '../../../index.js';
import { migrateDownAll, migrateLatest } from '../../../lib/persistence/migrate.js';
import { TABLES } from '../../../lib/persistence/tables.js';
import { buildUser } from '../../support/factories.js';
import { MemoryDirectory } from '../../support/memory-directory.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../../support/push-helpers.js';
import { useTestCenter } from '../../support/test-center.js';

describe('push settings on sources', () => {
  const t = useTestCenter();
  const base = { auth: 'bearer' as const, token: 'x', userUrl: 'http://127.0.0.1:9/scim/Users' };

  it('fills the defaults: disable users, delete orgs, 100 deletions, nightly reconcile', async () => {
    const { source } = await t.center.sources.create({ name: 'A', mode: 'push', push: base });
    expect(source.push).toMatchObject({ deprovision: { users: 'disable', orgs: 'delete' }, deletionThreshold: { count: 100 }, rateLimit: null, schedule: '0 3 * * *' });
  });

  it('names every bad policy field', async () => {
    const error = await t.center.sources
      .create({ name: 'A', mode: 'push', push: { ...base, deprovision: { users: 'erase' as never, orgs: 'disable' as never }, deletionThreshold: { percent: 140 }, concurrency: 0, rateLimit: -1, schedule: 'every night' } })
      .catch((caught) => caught);
    expect(error.issues.map((issue: { field: string; code: string }) => `${issue.field}:${issue.code}`)).toEqual([
      'push.deprovision.users:invalid_choice',
      'push.deprovision.orgs:invalid_choice',
      'push.deletionThreshold.percent:out_of_range',
      'push.concurrency:out_of_range',
      'push.rateLimit:out_of_range',
      'push.schedule:invalid_cron',
    ]);
  });

  it('keeps the other kind when one deprovisioning choice changes, and turns off threshold and schedule with null', async () => {
    const { source } = await t.center.sources.create({ name: 'A', mode: 'push', push: { ...base, deprovision: { users: 'delete', orgs: 'leave' } } });
    const updated = await t.center.sources.update(source.id, { push: { deprovision: { users: 'leave' } as never, deletionThreshold: null, schedule: null } });
    expect(updated.push).toMatchObject({ deprovision: { users: 'leave', orgs: 'leave' }, deletionThreshold: null, schedule: null });
  });
});

describe('center.push links', () => {
  const server = useFakeDownstream();
  const t = useTestCenter({ push: FAST_PUSH });

  it('lists, filters and pages links; unlink makes the next sync adopt; relink points at a chosen remote id', async () => {
    const users = [buildUser({ id: 'a1', displayName: 'Alice' }), buildUser({ id: 'b2', displayName: 'Bob' }), buildUser({ id: 'c3', displayName: 'Carol' })];
    await t.center.changes.apply(users.map((user) => ({ type: 'userUpserted' as const, user })));
    const source = await createPushSource(t.center, server);
    await t.center.runs.settled((await t.center.runs.start(source.id)).id);

    expect((await t.center.push.links(source.id)).total).toBe(3);
    expect((await t.center.push.links(source.id, { q: 'bob' })).links.map((link) => link.localId)).toEqual(['b2']);
    expect((await t.center.push.links(source.id, { limit: 2, offset: 2 })).links.map((link) => link.localId)).toEqual(['c3']);

    await t.center.push.unlink(source.id, 'user', 'a1', { actor: 'alice' });
    expect((await t.center.push.links(source.id)).total).toBe(2);
    await t.center.runs.settled((await t.center.runs.start(source.id)).id);
    expect(server.resources('Users')).toHaveLength(3); // adopted on 409, not duplicated

    server.store.get('Users')!.set('hand-made', { id: 'hand-made', userName: 'carol-old@example.com', schemas: [] });
    const link = await t.center.push.relink(source.id, 'user', 'c3', 'hand-made');
    expect(link).toMatchObject({ remoteId: 'hand-made', lastStatus: 'manual', hash: null });
    server.requests.length = 0;
    await t.center.runs.settled((await t.center.runs.start(source.id)).id);
    expect(server.writes().map((request) => `${request.method} ${request.path}`)).toEqual(['PATCH /scim/v2/Users/hand-made']);
    await expect(t.center.push.relink(source.id, 'user', 'b2', 'hand-made')).rejects.toMatchObject({ code: 'SSC_VALIDATION' });
    const actions = (await t.center.audit.list({ sourceId: source.id })).map((entry) => entry.action);
    expect(actions).toEqual(expect.arrayContaining(['push.unlink', 'push.relink']));
  });
});

describe('center.push.testConnection', () => {
  const server = useFakeDownstream();
  const t = useTestCenter({ push: FAST_PUSH });

  it('passes each step against a working downstream and writes nothing', async () => {
    const source = await createPushSource(t.center, server);
    const result = await t.center.push.testConnection(source.id);
    expect(result.ok).toBe(true);
    expect(result.steps.map((step) => [step.name, step.ok])).toEqual([
      ['auth', true],
      ['serviceProviderConfig', true],
      ['users', true],
      ['orgs', true],
      ['orgShape', true], // this downstream publishes no /ResourceTypes: nothing to check against
    ]);
    expect(server.writes()).toHaveLength(0);
  });

  it('says which step fails, for unsaved settings too, without the secret', async () => {
    const result = await t.center.push.testConnection({ auth: 'bearer', token: 'wrong-secret-123', userUrl: server.url('Users'), orgUrl: server.url('Nope') });
    expect(result.ok).toBe(false);
    expect(result.steps.find((step) => step.name === 'auth')).toMatchObject({ ok: false, status: 401 });
    expect(JSON.stringify(result)).not.toContain('wrong-secret-123');
    server.options.token = 'wrong-secret-123';
    const orgs = await t.center.push.testConnection({ auth: 'bearer', token: 'wrong-secret-123', userUrl: server.url('Users'), orgUrl: server.url('Nope') });
    expect(orgs.steps.map((step) => step.ok)).toEqual([true, true, true, false, true]);
  });
});

describe('push options', () => {
  it('rejects unknown push options with a suggestion', () => {
    expect(() => createSyncCenter({ directory: new MemoryDirectory(), admin: { isAdmin: () => true }, push: { concurency: 4 } as never })).toThrow(/push.concurency.*push.concurrency/);
    expect(() => createSyncCenter({ directory: new MemoryDirectory(), admin: { isAdmin: () => true }, push: { retry: { baseMs: 0 } } })).toThrow(/push.retry.baseMs/);
  });
});

describe('migration 20261126-03-push', () => {
  const t = useTestCenter();

  it('goes up and down', async () => {
    expect(await t.knex.schema.hasTable(TABLES.pushMembers)).toBe(true);
    expect(await t.knex.schema.hasColumn(TABLES.links, 'sent')).toBe(true);
    await migrateDownAll(t.knex);
    expect(await t.knex.schema.hasTable(TABLES.pushMembers)).toBe(false);
    await migrateLatest(t.knex);
    expect(await t.knex.schema.hasColumn(TABLES.links, 'sent')).toBe(true);
  });
});
