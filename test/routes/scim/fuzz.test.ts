import { describe, expect, it } from 'vitest';
import { URN } from '../../../lib/scim/urns.js';
import { usePullFixture } from './scim-fixture.js';

/** mulberry32: a small seeded generator, so a failure replays with the same inputs. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  return { next, pick, int: (max: number) => Math.floor(next() * max) };
}

const PATHS = [
  'userName', 'USERNAME', 'displayName', 'title', 'active', 'emails', 'emails.value', 'emails.type', 'emails.primary', 'name.givenName', 'name',
  'meta.lastModified', 'meta.created', 'meta', 'id', 'externalId', 'members', 'members.value', 'members.display', 'parent', 'code', 'order',
  `${URN.enterpriseUser}:department`, `${URN.enterpriseUser}:manager.value`, `${URN.enterpriseUser}:manager`, `${URN.userOrgs}:orgIds`,
  `${URN.userOrgs}:primaryOrgId`, `${URN.user}:userName`,
];
const ODD_PATHS = ['shoeSize', 'a.b.c', 'urn:x:y', '', 'emails[value', 'x"y', 'name.givenName.x'];
const OPS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'pr'];
const VALUES = ['"alice"', '"\\u0041"', '"a\\\\"', '"\\"q\\""', '"\\ud800"', '"%_!*?["', '"é"', '"2026-03-01T08:00:00Z"', 'true', 'false', 'null', '1', '""'];
const ODD_VALUES = ['"\\u0000"', '"\u0000"', '"not-a-date"', '-1.5e3', '1e308', '"', '"\\x"', `"${'z'.repeat(300)}"`];

function randomFilter(r: ReturnType<typeof generator>, depth = 0): string {
  const roll = r.next();
  if (depth < 4 && roll < 0.15) return `${randomFilter(r, depth + 1)} ${r.pick(['and', 'or', 'AND', 'xor'])} ${randomFilter(r, depth + 1)}`;
  if (depth < 4 && roll < 0.25) return `not (${randomFilter(r, depth + 1)})`;
  if (depth < 4 && roll < 0.33) return `${r.pick(['emails', 'members', `${URN.userOrgs}:orgIds`, 'title'])}[${randomFilter(r, depth + 1)}]`;
  if (roll < 0.36) return `(${randomFilter(r, depth + 1)}`;
  const op = r.next() < 0.05 ? r.pick(['xx', 'EQ']) : r.pick(OPS);
  const path = r.pick(r.next() < 0.1 ? ODD_PATHS : PATHS);
  return op === 'pr' ? `${path} pr` : `${path} ${op} ${r.pick(r.next() < 0.15 ? ODD_VALUES : VALUES)}`;
}

function randomList(r: ReturnType<typeof generator>): string[] {
  return Array.from({ length: r.int(r.next() < 0.05 ? 300 : 12) }, () => r.pick([...PATHS, ...ODD_PATHS]));
}

/** 300 in the suite (a few seconds); `SSC_FUZZ_REQUESTS=5000 SSC_FUZZ_SEED=7` for a longer campaign by hand. */
const REQUESTS = Number(process.env.SSC_FUZZ_REQUESTS ?? 300);
const SEED = Number(process.env.SSC_FUZZ_SEED ?? 20261202);

describe('the SCIM server under random input', () => {
  const f = usePullFixture({ overrides: { pullRateLimit: { requestsPerMinute: 100_000 } } }, { scope: 'all' });

  it(`answers ${REQUESTS} seeded random requests without a 5xx or a stack trace, and stays responsive`, { timeout: Math.max(30_000, REQUESTS * 60) }, async () => {
    const r = generator(SEED);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (let i = 0; i < REQUESTS; i += 1) {
      const endpoint = r.pick(['/Users', '/Groups', '/Organizations']);
      const filter = randomFilter(r);
      const list = randomList(r).join(',');
      const sortBy = r.next() < 0.3 ? r.pick([...PATHS, ...ODD_PATHS]) : undefined;
      const form = r.int(4);
      let res;
      if (form === 0) {
        const query = new URLSearchParams({ count: String(r.pick([0, 1, 5, 1000, -3, 'x'])), startIndex: String(r.pick([1, 2, 0, 99])) });
        if (r.next() < 0.8) query.set('filter', filter);
        if (list) query.set(r.next() < 0.5 ? 'attributes' : 'excludedAttributes', list);
        if (sortBy !== undefined) query.set('sortBy', sortBy);
        res = await f.get(`${endpoint}?${query}`);
      } else if (form === 1) {
        const body = { schemas: [URN.searchRequest], filter, sortBy, attributes: r.next() < 0.5 ? randomList(r) : r.pick([7, 'a,b', null, [1]]), count: r.pick([0, 3, '2', {}]) };
        res = await f.post(r.next() < 0.5 ? `${endpoint}/.search` : '/.search', body);
      } else if (form === 2) {
        res = await f.post(`${endpoint}/.search`, r.pick(['{', '[]', 'null', '"x"', '{"filter": 5}', `{"filter": ${JSON.stringify(filter)}}`]));
      } else {
        const id = r.pick(['alice', 'a%00b', '%25', '..', '%C3%A9', 'x'.repeat(400), '%ED%A0%80', '%FF', '%']);
        res = await f.get(`${endpoint}/${id}?attributes=${encodeURIComponent(list)}`);
      }
      const text = JSON.stringify(res.body);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500 || /\n\s+at |Error: |node_modules/.test(text) || res.type !== 'application/scim+json') {
        failures.push(`${res.status} ${form} ${endpoint} filter=${filter} -> ${text.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
    // The inputs reach the success paths too, not only the refusals.
    expect(statuses.get(200)).toBeGreaterThan(10);
    expect((await f.get('/Users?count=1').expect(200)).body.Resources).toHaveLength(1);
  });
});
