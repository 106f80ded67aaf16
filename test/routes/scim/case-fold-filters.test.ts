import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { URN } from '../../../lib/scim/urns.js';
import { createPullFixture, idsOf, type PullFixture } from './scim-fixture.js';

describe('case-insensitive filters beyond ASCII, the same on sqlite and PostgreSQL', () => {
  let f: PullFixture;
  const ids = async (path: string, filter: string) => idsOf((await f.get(`${path}?filter=${encodeURIComponent(filter)}`).expect(200)).body);
  beforeEach(async () => {
    f = await createPullFixture();
    await f.t.center.changes.apply([
      { type: 'orgUpserted', org: { id: 'oe', name: 'Öffentlichkeit', parentId: 'root', order: 3 } },
      { type: 'userUpserted', user: { id: 'joerg', userName: 'Jörg@Example.de', displayName: 'Jörg Straße', emails: [{ value: 'JÖRG@Example.de' }], orgIds: ['oe'] } },
      { type: 'userUpserted', user: { id: 'ipek', userName: 'İpek', displayName: 'İpek Işık', orgIds: ['oe'] } },
    ]);
  });
  afterEach(() => f.close());

  it('matches Ä/ä, Ö/ö in eq, co, sw and ew on userName, emails and displayName', async () => {
    expect(await ids('/Users', 'userName eq "JÖRG@EXAMPLE.DE"')).toEqual(['joerg']);
    expect(await ids('/Users', 'userName sw "jö"')).toEqual(['joerg']);
    expect(await ids('/Users', 'emails co "jörg@"')).toEqual(['joerg']);
    expect(await ids('/Users', 'emails[value ew "ÖRG@EXAMPLE.DE"]')).toEqual(['joerg']);
    expect(await ids('/Users', 'displayName co "JÖRG"')).toEqual(['joerg']);
  });

  it('folds ß to ss, so "STRASSE" finds "Straße"', async () => {
    expect(await ids('/Users', 'displayName ew "STRASSE"')).toEqual(['joerg']);
    expect(await ids('/Users', 'displayName ew "straße"')).toEqual(['joerg']);
  });

  it('folds İ to i + U+0307 and keeps dotless ı apart, as Unicode case folding does', async () => {
    expect(await ids('/Users', 'userName eq "i\u0307pek"')).toEqual(['ipek']);
    expect(await ids('/Users', 'userName eq "İPEK"')).toEqual(['ipek']);
    expect(await ids('/Users', 'userName eq "ipek"')).toEqual([]);
    // No Turkish locale rules: I folds to i, and dotless ı is a letter of its own.
    expect(await ids('/Users', 'displayName ew "iŞıK"')).toEqual(['ipek']);
    expect(await ids('/Users', 'displayName ew "ŞIK"')).toEqual([]);
    expect(await ids('/Users', 'displayName ew "ışık"')).toEqual([]);
  });

  it('folds org names for department, Organizations and Groups, and group member names', async () => {
    expect(await ids('/Users', `${URN.enterpriseUser}:department eq "ÖFFENTLICHKEIT"`)).toEqual(['ipek', 'joerg']);
    expect(await ids('/Organizations', 'displayName sw "öff"')).toEqual(['oe']);
    expect(await ids('/Groups', 'displayName eq "ÖFFENTLICHKEIT"')).toEqual(['oe']);
    expect(await ids('/Groups', 'members[display co "STRASSE"]')).toEqual(['oe']);
  });

  it('sorts case-insensitive attributes by the folded value', async () => {
    await f.t.center.changes.userUpserted({ id: 'zed', userName: 'ärger', orgIds: ['oe'] });
    await f.t.center.changes.userUpserted({ id: 'zoe', userName: 'Ärger2', orgIds: ['oe'] });
    const sorted = await f.get(`/Users?filter=${encodeURIComponent('userName sw "ÄRGER"')}&sortBy=userName`).expect(200);
    expect(idsOf(sorted.body)).toEqual(['zed', 'zoe']);
  });
});
