import { beforeAll, describe, expect, it } from 'vitest';
import { URN } from '../../../lib/scim/urns.js';
import { idsOf, usePullFixture } from './scim-fixture.js';

describe('SCIM filters at the edges', () => {
  const f = usePullFixture({}, { scope: 'all' });
  beforeAll(async () => {
    await f.t.center.changes.userUpserted({ id: 'eve', userName: 'eve', displayName: 'back\\slash\\', orgIds: ['root'] });
  });

  const matching = async (filter: string) => idsOf((await f.get(`/Users?filter=${encodeURIComponent(filter)}`).expect(200)).body);

  describe('string values are JSON strings (RFC 7644 §3.4.2.2)', () => {
    it('decodes \\u escapes', async () => {
      expect(await matching('displayName eq "\\u0041lice \\u004ciddell"')).toEqual(['alice']);
    });

    it('decodes \\\\, also at the end of a value', async () => {
      expect(await matching('displayName eq "back\\\\slash\\\\"')).toEqual(['eve']);
      expect(await matching('displayName ew "\\\\"')).toEqual(['eve']);
      expect(await matching('displayName co "\\\\s"')).toEqual(['eve']);
    });

    it('still decodes \\" and keeps filters around the literal intact', async () => {
      expect(await matching('displayName eq "say \\"hi\\"" or userName eq "dave"')).toEqual(['dave']);
    });

    it('refuses an invalid escape with 400 invalidFilter', async () => {
      const res = await f.get(`/Users?filter=${encodeURIComponent('displayName eq "\\x41"')}`).expect(400);
      expect(res.body).toMatchObject({ schemas: [URN.error], scimType: 'invalidFilter' });
    });
  });

  describe('multi-valued attributes', () => {
    it.each([
      ['emails', 'alice@home.test'],
      ['emails.value', 'bob@example.com'],
      ['emails.type', 'work'],
      [`${URN.userOrgs}:orgIds`, 'eng'],
    ])('answers %s ne "%s" exactly as not (… eq …)', async (path, value) => {
      const viaNe = await matching(`${path} ne "${value}"`);
      expect(viaNe).toEqual(await matching(`not (${path} eq "${value}")`));
      expect(viaNe).not.toEqual(await matching('id pr'));
    });

    it('keeps ne inside a value filter per value', async () => {
      expect(await matching('emails[type ne "work"]')).toEqual(['alice']);
    });
  });

  describe('U+0000', () => {
    it('answers an id holding U+0000 with 404 and keeps the pull log row', async () => {
      const res = await f.get('/Users/a%00b').expect(404);
      expect(res.body).toMatchObject({ schemas: [URN.error], status: '404' });
      await f.t.center.pull.flushLog();
      const { entries } = await f.t.center.logs.pulls(f.source.id, { result: 'error' });
      expect(entries.map((entry) => entry.path)).toContain('/scim/v2/Users/a%00b');
    });

    it('refuses a filter value holding U+0000 with 400 invalidFilter and keeps the pull log row', async () => {
      for (const filter of ['userName eq "a\\u0000b"', 'userName eq "a\u0000b"']) {
        const res = await f.get(`/Users?filter=${encodeURIComponent(filter)}`).expect(400);
        expect(res.body).toMatchObject({ scimType: 'invalidFilter' });
      }
      await f.t.center.pull.flushLog();
      const { entries } = await f.t.center.logs.pulls(f.source.id, { result: 'error' });
      expect(entries.map((entry) => entry.filter)).toContain('userName eq "a\uFFFDb"');
    });
  });
});
