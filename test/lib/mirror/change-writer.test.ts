import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/errors.js';
import { TABLES } from '../../../lib/persistence/tables.js';
import { buildOrg, buildUser } from '../../support/factories.js';
import { useTestCenter } from '../../support/test-center.js';

describe('center.changes', () => {
  const t = useTestCenter();

  it('makes an upsert durable with the next sequence number before resolving', async () => {
    const org = buildOrg();
    const first = await t.center.changes.orgUpserted(org);
    const second = await t.center.changes.userUpserted(buildUser({ orgIds: [org.id] }));
    expect(first.applied).toEqual([{ kind: 'org', id: org.id, op: 'upsert', seq: 1 }]);
    expect(second.applied[0]!.seq).toBe(2);
    const changes = await t.knex(TABLES.changes).orderBy('seq');
    expect(changes.map((row) => [Number(row.seq), row.kind, row.op])).toEqual([
      [1, 'org', 'upsert'],
      [2, 'user', 'upsert'],
    ]);
  });

  it('treats an upsert identical to the mirror as a no-op without a new sequence number', async () => {
    const user = buildUser();
    await t.center.changes.userUpserted(user);
    const again = await t.center.changes.userUpserted({ ...user, updatedAt: new Date(), emails: [...user.emails!] });
    expect(again).toEqual({ applied: [], unchanged: 1 });
    expect(await t.center.mirror.currentSequence()).toBe(1);
  });

  it('records a real edit as a new version', async () => {
    const user = buildUser();
    await t.center.changes.userUpserted(user);
    await t.center.changes.userUpserted({ ...user, title: 'Engineer' });
    const stored = await t.center.mirror.getUser(user.id);
    expect(stored?.data.title).toBe('Engineer');
    expect(stored?.seq).toBe(2);
  });

  it('leaves a tombstone on delete and resurrects on a later upsert', async () => {
    const user = buildUser();
    await t.center.changes.userUpserted(user);
    const deleted = await t.center.changes.userDeleted(user.id);
    expect(deleted.applied).toEqual([{ kind: 'user', id: user.id, op: 'delete', seq: 2 }]);
    const tombstone = await t.center.mirror.getUser(user.id);
    expect(tombstone?.deletedAt).not.toBeNull();
    expect(tombstone?.data.userName).toBe(user.userName);
    expect((await t.center.changes.userDeleted(user.id)).applied).toEqual([]);
    await t.center.changes.userUpserted(user);
    expect((await t.center.mirror.getUser(user.id))?.deletedAt).toBeNull();
  });

  it('hands out strictly increasing sequence numbers to concurrent writers', async () => {
    const writes = Array.from({ length: 40 }, () => t.center.changes.userUpserted(buildUser()));
    const results = await Promise.all(writes);
    const seqs = results.map((result) => result.applied[0]!.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, index) => index + 1));
    const stored = await t.knex(TABLES.changes).orderBy('seq').pluck('seq');
    expect(stored.map(Number)).toEqual(seqs);
  });

  it('applies a batch in one transaction, parents before children', async () => {
    const root = buildOrg();
    const child = buildOrg({ parentId: root.id });
    const result = await t.center.changes.apply([
      { type: 'orgUpserted', org: root },
      { type: 'orgUpserted', org: child },
      { type: 'userUpserted', user: buildUser({ orgIds: [child.id] }) },
    ]);
    expect(result.applied.map((change) => change.seq)).toEqual([1, 2, 3]);
  });

  it('writes nothing of a batch when one change is invalid', async () => {
    const error = await t.center.changes
      .apply([
        { type: 'userUpserted', user: buildUser() },
        { type: 'orgUpserted', org: buildOrg({ parentId: 'missing' }) },
      ])
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]).toMatchObject({ field: 'parentId', code: 'unknown_parent' });
    expect(await t.knex(TABLES.users).count({ n: '*' }).first()).toMatchObject({ n: expect.anything() });
    expect(Number((await t.knex(TABLES.users).count({ n: '*' }).first())!.n)).toBe(0);
    expect(await t.center.mirror.currentSequence()).toBe(0);
  });

  it.each([
    ['no id', { userName: 'a' }, 'id', 'required'],
    ['no userName', { id: 'x' }, 'userName', 'required'],
    ['a wrong type', { id: 'x', userName: 'a', active: 'yes' }, 'active', 'type'],
    ['emails that are not a list', { id: 'x', userName: 'a', emails: 'a@b' }, 'emails', 'type'],
    ['a primary org it is not in', { id: 'x', userName: 'a', orgIds: ['o1'], primaryOrgId: 'o2' }, 'primaryOrgId', 'not_member'],
  ])('rejects a user with %s, naming the field', async (_label, user, field, code) => {
    const error = await t.center.changes.userUpserted(user as never).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toContainEqual(expect.objectContaining({ field, code }));
    expect(await t.center.mirror.currentSequence()).toBe(0);
  });

  it('rejects an org that would become its own ancestor', async () => {
    const a = buildOrg();
    const b = buildOrg({ parentId: a.id });
    const c = buildOrg({ parentId: b.id });
    await t.center.changes.apply([
      { type: 'orgUpserted', org: a },
      { type: 'orgUpserted', org: b },
      { type: 'orgUpserted', org: c },
    ]);
    const error = await t.center.changes.orgUpserted({ ...a, parentId: c.id }).catch((caught: unknown) => caught);
    expect((error as ValidationError).issues[0]).toMatchObject({ field: 'parentId', code: 'cycle' });
    const self = await t.center.changes.orgUpserted({ ...a, parentId: a.id }).catch((caught: unknown) => caught);
    expect((self as ValidationError).issues[0]).toMatchObject({ field: 'parentId', code: 'cycle' });
    expect((await t.center.mirror.getOrg(a.id))?.data.parentId).toBeUndefined();
  });

  it('names the batch position of a bad change', async () => {
    const error = await t.center.changes.apply([{ type: 'userUpserted', user: buildUser() }, { type: 'userDeleted', id: '' }]).catch((caught: unknown) => caught);
    expect((error as ValidationError).issues[0]!.field).toBe('[1].id');
  });
});
