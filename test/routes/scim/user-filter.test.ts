import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/errors.js';
import { idsOf, usePullFixture } from './scim-fixture.js';

describe('a pull source with a user filter', () => {
  const f = usePullFixture();

  async function filtered(userFilter: string | null) {
    await f.t.center.sources.update(f.source.id, { pull: { userFilter } });
  }

  it('lists, counts and gets only the users the filter matches', async () => {
    await filtered('title eq "CEO" or userName sw "alice"');
    const res = await f.get('/Users').expect(200);
    expect(idsOf(res.body)).toEqual(['alice', 'dave']);
    expect(res.body.totalResults).toBe(2);
    await f.get('/Users/alice').expect(200);
    await f.get('/Users/bob').expect(404);
    // The puller's own filter narrows further, never widens.
    expect(idsOf((await f.get(`/Users?filter=${encodeURIComponent('userName pr')}`).expect(200)).body)).toEqual(['alice', 'dave']);
  });

  it('shows only matching users as Group members', async () => {
    await filtered('userName sw "alice"');
    const groups = (await f.get('/Groups').expect(200)).body.Resources as Array<{ id: string; members?: Array<{ value: string }> }>;
    const members = groups.flatMap((group) => (group.members ?? []).map((member) => member.value));
    expect(new Set(members)).toEqual(new Set(['alice']));
  });

  it('makes a user that stops matching look deleted (404), and one that starts matching appear', async () => {
    await filtered('title eq "CEO"');
    await f.get('/Users/dave').expect(200);
    await f.t.center.changes.userUpserted({ id: 'dave', userName: 'dave', orgIds: ['root'], title: 'Chair' });
    await f.get('/Users/dave').expect(404);
    await f.t.center.changes.userUpserted({ id: 'carol', userName: 'carol@example.com', orgIds: ['eng'], title: 'CEO' });
    await f.get('/Users/carol').expect(200);
  });

  it('refuses a filter the server would refuse, with the RFC reason, and keeps the old one', async () => {
    await filtered('title eq "CEO"');
    const error = await f.t.center.sources.update(f.source.id, { pull: { userFilter: 'title eq' } }).catch((caught: unknown) => caught);
    expect((error as ValidationError).issues).toEqual([expect.objectContaining({ field: 'pull.userFilter', code: 'invalid_filter' })]);
    expect((await f.t.center.sources.get(f.source.id)).pull!.userFilter).toBe('title eq "CEO"');
    await filtered(null);
    expect((await f.get('/Users').expect(200)).body.totalResults).toBe(4);
  });
});
