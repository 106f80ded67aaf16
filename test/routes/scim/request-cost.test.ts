import { describe, expect, it, vi } from 'vitest';
import { MAX_ATTRIBUTE_NAMES, MAX_ATTRIBUTE_PATH_LENGTH } from '../../../lib/scim/query/list-params.js';
import { URN } from '../../../lib/scim/urns.js';
import { usePullFixture } from './scim-fixture.js';

// Counts attribute-path resolutions: the work a client's `attributes` list costs the host.
const resolutions = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../../lib/scim/resource-types.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../lib/scim/resource-types.js')>();
  return {
    ...original,
    resolvePath: (...args: Parameters<typeof original.resolvePath>) => {
      resolutions.count += 1;
      return original.resolvePath(...args);
    },
  };
});

/** 90 distinct names, most unknown to the schema, as a hostile but allowed list. */
const MANY_NAMES = ['userName', 'emails.value', ...Array.from({ length: 88 }, (_, i) => `x${i}`)].join(',');

async function resolutionsFor(run: () => Promise<unknown>): Promise<number> {
  resolutions.count = 0;
  await run();
  return resolutions.count;
}

describe('the cost of one pull request', () => {
  const f = usePullFixture();

  it('resolves the attributes list once per request, not once per returned resource', async () => {
    const onePage = await resolutionsFor(() => f.get(`/Users?count=1&attributes=${MANY_NAMES}`).expect(200));
    const fourPage = await resolutionsFor(async () => {
      const res = await f.get(`/Users?count=4&attributes=${MANY_NAMES}`).expect(200);
      expect(res.body.Resources).toHaveLength(4);
    });
    expect(fourPage).toBe(onePage);
    const search = await resolutionsFor(() => f.post('/Users/.search', { schemas: [URN.searchRequest], count: 4, excludedAttributes: MANY_NAMES.split(',') }).expect(200));
    expect(search).toBeLessThanOrEqual(onePage);
  });

  it('resolves each repeated name once', async () => {
    const once = await resolutionsFor(() => f.get('/Users?attributes=userName').expect(200));
    const repeated = await resolutionsFor(() => f.get(`/Users?attributes=${Array(MAX_ATTRIBUTE_NAMES).fill('userName').join(',')}`).expect(200));
    expect(repeated).toBe(once);
  });

  it('refuses a list of more than the documented number of names with 400 invalidValue, before any work', async () => {
    const names = Array(7000).fill('a').join(',');
    const viaQuery = await f.get(`/Users?count=1000&attributes=${names}`).expect(400);
    expect(viaQuery.body).toMatchObject({ schemas: [URN.error], status: '400', scimType: 'invalidValue' });
    expect(viaQuery.body.detail).toContain(String(MAX_ATTRIBUTE_NAMES));
    const spent = await resolutionsFor(() =>
      f.post('/.search', { schemas: [URN.searchRequest], count: 1000, excludedAttributes: Array(3000).fill('title') }).expect(400),
    );
    expect(spent).toBe(0);
  });

  it('refuses an over-long attribute name or sortBy with 400 invalidValue', async () => {
    const long = 'a'.repeat(MAX_ATTRIBUTE_PATH_LENGTH + 1);
    for (const query of [`attributes=${long}`, `excludedAttributes=${long}`, `sortBy=${long}`]) {
      const res = await f.get(`/Users?${query}`).expect(400);
      expect(res.body).toMatchObject({ scimType: 'invalidValue' });
    }
  });

  it('answers a light request queued behind a heavy one in order, both bounded', async () => {
    // Issued together: the heavy one is refused before it can hold the event loop, so the light
    // one is answered normally; neither waits on the other's per-resource work.
    const heavy = f.get(`/Users?count=1000&attributes=${Array(7000).fill('a').join(',')}`);
    const light = f.get('/Users?count=1&attributes=userName');
    const [heavyRes, lightRes] = await Promise.all([heavy, light]);
    expect(heavyRes.status).toBe(400);
    expect(lightRes.status).toBe(200);
    expect(lightRes.body.Resources).toHaveLength(1);
  });
});
