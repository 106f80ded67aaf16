import { beforeEach, describe, expect, it } from 'vitest';
import { idsOf, ORGS, usePullFixture, USERS } from './scim-fixture.js';

const START = '2026-03-01T08:00:00.000Z';
const LATER = '2026-03-01T08:01:00.000Z';
const changedSince = (iso: string) => `/Groups?filter=${encodeURIComponent(`meta.lastModified gt "${iso}"`)}`;

describe("a Group's meta.lastModified (RFC 7643 §3.1)", () => {
  const f = usePullFixture();
  beforeEach(async () => {
    f.clock.advance(60_000);
  });

  it('moves for both groups when a member moves from one to the other, and incremental pulls find them', async () => {
    await f.t.center.changes.userUpserted({ id: 'bob', userName: 'bob@example.com', orgIds: ['eng'] });
    expect(idsOf((await f.get(changedSince(START)).expect(200)).body)).toEqual(['eng', 'sales-east']);
    const eng = await f.get('/Groups/eng').expect(200);
    expect(eng.body.meta.lastModified).toBe(LATER);
    expect((await f.get('/Groups/sales').expect(200)).body.meta.lastModified).toBe(START);
  });

  it('moves when a member joins or leaves, not for untouched groups', async () => {
    await f.t.center.changes.userUpserted({ id: 'erin', userName: 'erin', orgIds: ['sales'] });
    expect(idsOf((await f.get(changedSince(START)).expect(200)).body)).toEqual(['sales']);
    f.clock.advance(60_000);
    await f.t.center.changes.userUpserted({ id: 'alice', userName: 'Alice@Example.com', orgIds: ['sales'] });
    expect(idsOf((await f.get(changedSince(LATER)).expect(200)).body)).toEqual(['eng', 'sales']);
  });

  it('moves when a member is deleted', async () => {
    await f.t.center.changes.userDeleted('carol');
    const res = await f.get(changedSince(START)).expect(200);
    expect(idsOf(res.body)).toEqual(['eng']);
    expect(res.body.Resources[0].meta.lastModified).toBe(LATER);
    expect(res.body.Resources[0].members.map((member: { value: string }) => member.value)).toEqual(['alice']);
  });

  it('moves when the org itself changes, and sorts by it', async () => {
    await f.t.center.changes.orgUpserted({ id: 'root', name: 'Acme Corp', code: 'R', order: 0 });
    expect(idsOf((await f.get(changedSince(START)).expect(200)).body)).toEqual(['root']);
    const sorted = await f.get('/Groups?sortBy=meta.lastModified&sortOrder=descending').expect(200);
    expect(idsOf(sorted.body)[0]).toBe('root');
  });

  it('moves on reconcile as on the change API', async () => {
    for (const org of ORGS) f.t.directory.orgs.set(org.id, org);
    for (const user of USERS) f.t.directory.users.set(user.id, user);
    f.t.directory.users.set('dave', { id: 'dave', userName: 'dave', orgIds: ['eng'], title: 'CEO' });
    await f.t.center.reconcile();
    expect(idsOf((await f.get(changedSince(START)).expect(200)).body)).toEqual(['eng', 'root']);
  });
});
