import { describe, expect, it } from 'vitest';
import { URN } from '../../../lib/scim/urns.js';
import { idsOf, usePullFixture } from './scim-fixture.js';

const ENT = URN.enterpriseUser;
const ORGS = URN.userOrgs;

describe('GET /scim/v2/Users?filter=', () => {
  const f = usePullFixture({}, { scope: 'all' });

  const matching = async (filter: string) => idsOf((await f.get(`/Users?filter=${encodeURIComponent(filter)}`).expect(200)).body);

  it.each([
    ['userName eq "alice@example.com"', ['alice']],
    ['USERNAME EQ "ALICE@EXAMPLE.COM"', ['alice']],
    ['userName ne "alice@example.com"', ['bob', 'carol', 'dave']],
    ['userName co "EXAMPLE"', ['alice', 'bob', 'carol']],
    ['userName sw "b"', ['bob']],
    ['userName ew ".org"', ['carol']],
    ['userName gt "bob@example.com"', ['carol', 'dave']],
    ['userName ge "bob@example.com"', ['bob', 'carol', 'dave']],
    ['userName lt "bob@example.com"', ['alice']],
    ['userName le "bob@example.com"', ['alice', 'bob']],
    ['title pr', ['alice', 'dave']],
    ['not (title pr)', ['bob', 'carol']],
    ['title ne "CEO"', ['alice', 'bob', 'carol']],
    ['displayName sw "a" and title pr', ['alice']],
    ['userName sw "a" or userName sw "d"', ['alice', 'dave']],
    ['(userName sw "a" or userName sw "b") and not (displayName co "bob")', ['alice']],
    ['name.familyName eq "liddell"', ['alice']],
    ['name.middleName co "pleas"', ['alice']],
    ['name pr', ['alice', 'bob', 'carol']],
    ['active eq false', ['carol']],
    ['active eq true', ['alice', 'bob', 'dave']],
    ['externalId eq "ext-alice"', ['alice']],
    ['externalId eq "EXT-ALICE"', []],
    ['id eq "bob"', ['bob']],
    ['emails pr', ['alice', 'bob', 'carol']],
    ['emails eq "BOB@example.com"', ['bob']],
    ['emails.value ew "@home.test"', ['alice']],
    ['emails.type eq "home"', ['alice']],
    ['emails[type eq "work" and value co "@example.com"]', ['alice', 'bob']],
    ['emails[type eq "home" or primary eq true]', ['alice', 'bob']],
    ['emails[not (type eq "work")]', ['alice']],
    ['phoneNumbers.value sw "+86"', ['alice']],
    ['phoneNumbers[type eq "mobile"]', ['alice']],
    [`${ENT}:employeeNumber eq "e-002"`, ['bob']],
    [`${ENT}:department eq "sales east"`, ['bob']],
    [`${ENT}:manager.value eq "alice"`, ['bob']],
    [`${ENT}:manager pr`, ['bob']],
    [`${ORGS}:orgIds eq "eng"`, ['alice', 'carol']],
    [`${ORGS}:primaryOrgId eq "sales"`, ['alice']],
    [`${URN.user}:userName eq "dave"`, ['dave']],
    ['meta.lastModified ge "2026-03-01T08:00:00Z"', ['alice', 'bob', 'carol', 'dave']],
    ['meta.lastModified gt "2026-03-01T08:00:00Z"', []],
    ['meta.created lt "2026-03-02"', ['alice', 'bob', 'carol', 'dave']],
    ['meta.created le "2026-02-28T00:00:00+08:00"', []],
    ['title eq null', ['bob', 'carol']],
  ])('%s', async (filter, expected) => {
    expect(await matching(filter)).toEqual(expected);
  });

  it('treats % and _ in a value literally', async () => {
    expect(await matching('userName co "%"')).toEqual([]);
    expect(await matching('userName co "_"')).toEqual([]);
  });

  it('matches case-exact attributes case-sensitively with co, sw and ew', async () => {
    expect(await matching('externalId sw "ext-"')).toEqual(['alice']);
    expect(await matching('externalId sw "EXT-"')).toEqual([]);
    expect(await matching('externalId co "ALI"')).toEqual([]);
  });

  it.each([
    ['shoeSize eq "9"', /unknown attribute/],
    ['userName eq', /could not be parsed/],
    ['userName xx "a"', /could not be parsed/],
    ['(userName eq "a"', /could not be parsed/],
    ['active eq "true"', /boolean/],
    ['active gt true', /boolean/],
    ['userName eq 5', /string/],
    ['meta.lastModified gt "yesterday"', /dateTime/],
    ['meta.lastModified co "2026-03-01"', /does not apply/],
    ['name eq "Alice"', /complex/],
    [`${ENT}:organization eq "Acme"`, /cannot be used in a filter/],
    ['emails[type eq "work"] and groups pr', /unknown attribute/],
    ['emails[shoe eq "x"]', /unknown sub-attribute/],
    ['userName gt null', /null/],
  ])('returns 400 invalidFilter for %s', async (filter, detail) => {
    const res = await f.get(`/Users?filter=${encodeURIComponent(filter)}`).expect(400);
    expect(res.body).toMatchObject({ schemas: [URN.error], status: '400', scimType: 'invalidFilter' });
    expect(res.body.detail).toMatch(detail);
  });

  it('returns 400 invalidFilter for a filter longer than 2048 characters', async () => {
    const long = Array.from({ length: 200 }, (_, index) => `userName eq "user-${index}"`).join(' or ');
    const res = await f.get(`/Users?filter=${encodeURIComponent(long)}`).expect(400);
    expect(res.body.scimType).toBe('invalidFilter');
  });

  it('answers deeply nested parentheses (up to the length limit) without a 500', async () => {
    const nested = `${'('.repeat(1000)}userName eq "dave"${')'.repeat(1000)}`;
    expect(idsOf((await f.get(`/Users?filter=${encodeURIComponent(nested)}`).expect(200)).body)).toEqual(['dave']);
  });
});

describe('filters on Organizations and Groups', () => {
  const f = usePullFixture({}, { scope: 'all' });

  const orgs = async (filter: string) => idsOf((await f.get(`/Organizations?filter=${encodeURIComponent(filter)}`).expect(200)).body);
  const groups = async (filter: string) => idsOf((await f.get(`/Groups?filter=${encodeURIComponent(filter)}`).expect(200)).body);

  it.each([
    ['displayName eq "sales"', ['sales']],
    ['code eq "SE"', ['sales-east']],
    ['code eq "se"', []],
    ['parent eq "root"', ['eng', 'sales']],
    ['not (parent pr)', ['root']],
    ['order ge 1', ['eng', 'sales']],
    ['order eq 0', ['root', 'sales-east']],
    ['active eq true', ['eng', 'root', 'sales', 'sales-east']],
    ['meta.lastModified gt "2026-02-01T00:00:00Z"', ['eng', 'root', 'sales', 'sales-east']],
    ['meta.lastModified lt "2026-02-01T00:00:00Z"', []],
    ['externalId pr', []],
  ])('Organizations: %s', async (filter, expected) => {
    expect(await orgs(filter)).toEqual(expected);
  });

  it('Organizations: refuses an integer compared with a string', async () => {
    expect((await f.get(`/Organizations?filter=${encodeURIComponent('order eq "1"')}`).expect(400)).body.scimType).toBe('invalidFilter');
  });

  it.each([
    ['displayName co "sales"', ['sales', 'sales-east']],
    ['members.value eq "alice"', ['eng', 'sales']],
    ['members eq "dave"', ['root']],
    ['members[value eq "carol"]', ['eng']],
    ['members.display sw "bob"', ['sales-east']],
    ['not (members pr)', []],
  ])('Groups: %s', async (filter, expected) => {
    expect(await groups(filter)).toEqual(expected);
  });

  it('Groups: filters on meta.lastModified', async () => {
    expect(await groups('meta.lastModified gt "2026-01-01T00:00:00Z"')).toEqual(['eng', 'root', 'sales', 'sales-east']);
  });
});
