import { describe, expect, it } from 'vitest';
import { AuthCache } from '../../../lib/scim/pull/auth-cache.js';

const client = { sourceId: 's1', clientId: null, scopeOrgIds: [] };

describe('AuthCache', () => {
  it('forgets a token after its time to live, so another instance’s revocation is seen', () => {
    let now = 1_000;
    const cache = new AuthCache(2_000, () => now);
    cache.set('ssc_token_a', client);
    expect(cache.get('ssc_token_a')).toEqual(client);
    now += 2_000;
    expect(cache.get('ssc_token_a')).toBeUndefined();
  });

  it('never outlives the token itself', () => {
    let now = 1_000;
    const cache = new AuthCache(2_000, () => now);
    cache.set('ssc_at_a', client, 1_500);
    now = 1_500;
    expect(cache.get('ssc_at_a')).toBeUndefined();
  });

  it('knows nothing of a token it was not given, and clears at once', () => {
    const cache = new AuthCache(2_000, () => 0);
    cache.set('ssc_token_a', client);
    expect(cache.get('ssc_token_b')).toBeUndefined();
    cache.clear();
    expect(cache.get('ssc_token_a')).toBeUndefined();
  });
});
