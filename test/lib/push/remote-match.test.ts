import { afterEach, describe, expect, it } from 'vitest';
import { TransientPushError } from '../../../lib/push/client/errors.js';
import { ScimClient } from '../../../lib/push/client/scim-client.js';
import { quote, RemoteMatcher, type MatchTarget } from '../../../lib/push/remote-match.js';
import type { MatchingPolicy } from '../../../lib/sources/source-types.js';
import { FakeScimServer } from '../../support/fake-scim-server.js';

describe('RemoteMatcher', () => {
  let server: FakeScimServer;
  let client: ScimClient;
  afterEach(async () => {
    await client?.close();
    await server?.close();
  });

  async function target(matching: MatchingPolicy = { users: 'userName', orgs: 'externalIdThenName' }, held: string[] = []): Promise<MatchTarget> {
    server = await new FakeScimServer().start();
    client = new ScimClient({ settings: { auth: 'bearer', userUrl: server.url('Users'), orgResource: 'organization' }, secrets: { token: server.options.token }, allowHttp: true, allowPrivate: true, requestTimeoutMs: 1000, connectTimeoutMs: 1000, connections: 2 });
    return {
      client,
      userEndpoint: server.url('Users'),
      orgEndpoint: server.url('Organizations'),
      orgShape: 'organization',
      policy: { matching },
      heldByOthers: async (_kind, remoteIds) => new Set(remoteIds.filter((id) => held.includes(id))),
    };
  }
  const direct = <T>(request: () => Promise<T>) => request();
  const user = (localId: string, userName: string, extra: Record<string, unknown> = {}) => ({ localId, body: { schemas: [], externalId: localId, userName, ...extra } });

  it('quotes filter values by JSON string rules (RFC 7644 §3.4.2.2)', () => {
    expect(quote('a\\b"c')).toBe('"a\\\\b\\"c"');
    expect(quote('研发部')).toBe('"研发部"');
  });

  it('matches back by value, so a downstream that ignores the filter cannot cause a wrong adoption', async () => {
    const matchTarget = await target();
    server.store.get('Users')!.set('other', { id: 'other', userName: 'someone@example.com' });
    server.store.get('Users')!.set('mine', { id: 'mine', userName: 'Me@Example.com' });
    // The downstream answers every GET with all its users, whatever the filter says.
    const original = server.fault;
    server.fault = (request) => (request.method === 'GET' && request.path.includes('filter=') ? { status: 200, body: { totalResults: 2, Resources: server.resources('Users') } } : original(request, 0));
    const matches = await new RemoteMatcher().matchMany(matchTarget, 'user', [user('a', 'me@example.com'), user('b', 'nobody@example.com')], direct);
    expect(matches).toEqual([{ type: 'found', remoteId: 'mine', attribute: 'userName' }, { type: 'none' }]);
  });

  it('takes the one of two candidates that carries our externalId, and calls any other pair ambiguous', async () => {
    const matchTarget = await target({ users: 'email', orgs: 'externalIdThenName' });
    const work = (value: string) => [{ type: 'work', value }];
    server.store.get('Users')!.set('x1', { id: 'x1', userName: 'x1', emails: work('pair@example.com') });
    server.store.get('Users')!.set('x2', { id: 'x2', userName: 'x2', externalId: 'a', emails: work('pair@example.com') });
    server.store.get('Users')!.set('y1', { id: 'y1', userName: 'y1', emails: work('twins@example.com') });
    server.store.get('Users')!.set('y2', { id: 'y2', userName: 'y2', emails: work('twins@example.com') });
    const matches = await new RemoteMatcher().matchMany(matchTarget, 'user', [user('a', 'a', { emails: work('pair@example.com') }), user('b', 'b', { emails: work('TWINS@example.com') }), user('c', 'c')], direct);
    expect(matches[0]).toEqual({ type: 'found', remoteId: 'x2', attribute: 'emails[type eq "work"].value' });
    expect(matches[1]).toEqual({ type: 'ambiguous', attribute: 'emails[type eq "work"].value', value: 'TWINS@example.com', remoteIds: ['y1', 'y2'] });
    expect(matches[2], 'no work e-mail: nothing to look up').toEqual({ type: 'none' });
    expect(server.requests.filter((request) => request.path.includes('filter=')), 'one GET for both').toHaveLength(1);
  });

  it('passes over an org of the same name that another local org holds, but not one found by externalId', async () => {
    const matchTarget = await target(undefined, ['held-by-name', 'held-by-id']);
    server.store.get('Organizations')!.set('held-by-name', { id: 'held-by-name', displayName: 'Team' });
    server.store.get('Organizations')!.set('held-by-id', { id: 'held-by-id', displayName: 'Other', externalId: 'o2' });
    const matcher = new RemoteMatcher();
    const [byName, byId] = await matcher.matchMany(matchTarget, 'org', [{ localId: 'o1', body: { schemas: [], externalId: 'o1', displayName: 'Team' } }, { localId: 'o2', body: { schemas: [], externalId: 'o2', displayName: 'Else' } }], direct);
    expect(byName).toEqual({ type: 'none' });
    expect(byId, 'the adopt guard reports this one').toEqual({ type: 'found', remoteId: 'held-by-id', attribute: 'externalId' });
  });

  it('reports a transient failure for the objects it could not look up', async () => {
    const matchTarget = await target();
    server.fault = (request) => (request.path.includes('filter=') ? { status: 503 } : undefined);
    const [match] = await new RemoteMatcher().matchMany(matchTarget, 'user', [user('a', 'a@example.com'), user('b', 'b@example.com')], direct);
    expect(match).toMatchObject({ type: 'failed' });
    expect((match as { error: unknown }).error).toBeInstanceOf(TransientPushError);
  });

  it('looks a conflicting user up by every identifier after a 409, the configured one first', async () => {
    const matchTarget = await target({ users: 'email', orgs: 'externalId' });
    server.store.get('Users')!.set('legacy', { id: 'legacy', userName: 'other-name', externalId: 'a' });
    const match = await new RemoteMatcher().matchThoroughly(matchTarget, 'user', user('a', 'a@example.com', { emails: [{ type: 'work', value: 'a@mail.example.com' }] }));
    expect(match).toEqual({ type: 'found', remoteId: 'legacy', attribute: 'externalId' });
    expect(server.requests.map((request) => new URLSearchParams(request.path.split('?')[1]).get('filter')).filter(Boolean)).toEqual([
      'emails[type eq "work" and value eq "a@mail.example.com"]',
      'userName eq "a@example.com"',
      'externalId eq "a"',
    ]);
  });
});
