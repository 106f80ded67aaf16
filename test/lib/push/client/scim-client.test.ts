import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RemoteNotFoundError, StopSyncError, TransientPushError } from '../../../../lib/push/client/errors.js';
import { ScimClient, type ScimClientOptions } from '../../../../lib/push/client/scim-client.js';
import type { PushSettings } from '../../../../lib/sources/source-types.js';
import { FakeScimServer } from '../../../support/fake-scim-server.js';
import { replaceFixture } from '../../../support/fixture.js';
import { useFakeDownstream } from '../../../support/push-helpers.js';

const SECRET = 'very-secret-token-value';

function client(server: FakeScimServer, settings: Partial<PushSettings> = {}, options: Partial<ScimClientOptions> = {}): ScimClient {
  return new ScimClient({
    settings: { auth: 'bearer', userUrl: server.url('Users'), orgUrl: server.url('Groups'), orgResource: 'group', ...settings },
    secrets: { token: server.options.token },
    allowHttp: true,
    allowPrivate: true,
    requestTimeoutMs: 300,
    connectTimeoutMs: 300,
    connections: 2,
    ...options,
  });
}

describe('ScimClient', () => {
  // A plain fake downstream per test; tests about one of its quirks put in their own with replaceFixture.
  const server = useFakeDownstream();
  const clients: ScimClient[] = [];
  const track = (made: ScimClient) => (clients.push(made), made);
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((made) => made.close()));
  });

  it('sends application/scim+json with the bearer token', async () => {
    const scim = track(client(server));
    const created = await scim.create(server.url('Users'), { schemas: [], userName: 'a' });
    expect(created.status).toBe(201);
    expect(server.requests[0]).toMatchObject({ method: 'POST', path: '/scim/v2/Users', authorization: `Bearer ${server.options.token}`, contentType: 'application/scim+json' });
  });

  it('authenticates with HTTP Basic', async () => {
    await replaceFixture(server, () => new FakeScimServer({ basic: { user: 'app', password: 'pw' } }).start());
    const scim = track(new ScimClient({ settings: { auth: 'basic', clientId: 'app', userUrl: server.url('Users'), orgResource: 'group' }, secrets: { clientSecret: 'pw' }, allowHttp: true, allowPrivate: true, requestTimeoutMs: 300, connectTimeoutMs: 300, connections: 1 }));
    expect((await scim.get(server.url('Users'))).status).toBe(200);
  });

  it('caches an OAuth 2.0 token and fetches a new one once after a 401', async () => {
    await replaceFixture(server, () => new FakeScimServer({ oauthClient: { id: 'cid', secret: 'csecret', expiresIn: 3600 } }).start());
    const scim = track(new ScimClient({
      settings: { auth: 'oauth2', clientId: 'cid', tokenUrl: `http://127.0.0.1:${server.port}/oauth/token`, userUrl: server.url('Users'), orgResource: 'group' },
      secrets: { clientSecret: 'csecret' },
      allowHttp: true,
      allowPrivate: true,
      requestTimeoutMs: 300,
      connectTimeoutMs: 300,
      connections: 2,
    }));
    await Promise.all([scim.get(server.url('Users')), scim.get(server.url('Users')), scim.get(server.url('Users'))]);
    expect(server.tokenRequests).toBe(1);
    server.issuedTokens.clear(); // the downstream revokes the token
    expect((await scim.get(server.url('Users'))).status).toBe(200);
    expect(server.tokenRequests).toBe(2);
  });

  it('refuses bad client credentials as a reason to stop, not to retry', async () => {
    await replaceFixture(server, () => new FakeScimServer({ oauthClient: { id: 'cid', secret: 'right', expiresIn: 3600 } }).start());
    const scim = track(new ScimClient({
      settings: { auth: 'oauth2', clientId: 'cid', tokenUrl: `http://127.0.0.1:${server.port}/oauth/token`, userUrl: server.url('Users'), orgResource: 'group' },
      secrets: { clientSecret: 'wrong' },
      allowHttp: true,
      allowPrivate: true,
      requestTimeoutMs: 300,
      connectTimeoutMs: 300,
      connections: 1,
    }));
    await expect(scim.get(server.url('Users'))).rejects.toBeInstanceOf(StopSyncError);
  });

  it('maps a timeout, a reset and a refused connection to transient errors', async () => {
    const scim = track(client(server));
    server.fault = (request) => (request.path.endsWith('hang') ? 'hang' : request.path.endsWith('reset') ? 'reset' : undefined);
    await expect(scim.get(`${server.url('Users')}/hang`)).rejects.toBeInstanceOf(TransientPushError);
    await expect(scim.get(`${server.url('Users')}/reset`)).rejects.toBeInstanceOf(TransientPushError);
    await server.down();
    await expect(scim.get(server.url('Users'))).rejects.toBeInstanceOf(TransientPushError);
  });

  it('does not follow redirects', async () => {
    server.fault = () => ({ status: 307, headers: { location: 'https://elsewhere.example.com/' } });
    const error = await track(client(server)).get(server.url('Users')).catch((caught) => caught);
    expect(error).toBeInstanceOf(StopSyncError);
    expect(server.requests).toHaveLength(1);
  });

  it('refuses http URLs unless the host allows them', async () => {
    expect(() => client(server, {}, { allowHttp: false })).toThrow(StopSyncError);
  });

  it('never lets a secret into an error message', async () => {
    await replaceFixture(server, () => new FakeScimServer({ token: SECRET }).start());
    server.fault = (request) => ({ status: 400, body: { detail: `rejected header ${request.authorization}` } });
    const error = await track(client(server)).get(server.url('Users')).catch((caught) => caught);
    expect(error.message).not.toContain(SECRET);
    expect(error.message).toContain('***');
  });

  it('reads ServiceProviderConfig once to choose PATCH, and falls back to PUT after a 405', async () => {
    await replaceFixture(server, () => new FakeScimServer({ patchSupported: true, refusePatch: true }).start());
    const scim = track(client(server));
    expect(await scim.updateMethod('user')).toBe('PATCH');
    expect(await scim.updateMethod('org')).toBe('PATCH');
    expect(scim.learnUnsupported('user', 'PATCH')).toBe('PUT');
    expect(await scim.updateMethod('user')).toBe('PUT');
    expect(await scim.updateMethod('org')).toBe('PATCH');
    expect(server.requests.filter((request) => request.path.endsWith('ServiceProviderConfig'))).toHaveLength(1);
  });

  it('reports a missing resource as RemoteNotFoundError', async () => {
    await expect(track(client(server)).get(`${server.url('Users')}/nope`)).rejects.toBeInstanceOf(RemoteNotFoundError);
  });

  it('waits out a Retry-After before the next request', async () => {
    let calls = 0;
    const times: number[] = [];
    const raw = http.createServer((_req, res) => {
      times.push(Date.now());
      calls += 1;
      if (calls === 1) {
        res.writeHead(429, { 'retry-after': '0.2' }).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/scim+json' }).end('{}');
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const port = (raw.address() as AddressInfo).port;
    const scim = track(new ScimClient({ settings: { auth: 'bearer', userUrl: `http://127.0.0.1:${port}/Users`, orgResource: 'group' }, secrets: { token: 't' }, allowHttp: true, allowPrivate: true, requestTimeoutMs: 1000, connectTimeoutMs: 1000, connections: 1 }));
    const error = await scim.get(`http://127.0.0.1:${port}/Users`).catch((caught) => caught);
    expect(error).toBeInstanceOf(TransientPushError);
    expect(error.retryAfterMs).toBe(200);
    // The whole source pauses until Retry-After has passed (the limiter's own tests check the wait).
    expect(scim.limiter.pausedUntil).toBeGreaterThanOrEqual(times[0]! + 200);
    expect((await scim.get(`http://127.0.0.1:${port}/Users`)).status).toBe(200);
    await new Promise<void>((resolve) => raw.close(() => resolve()));
  });

  /** A plain http server for answers the fake downstream does not give; closed after the test. */
  async function rawServer(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
    const raw = http.createServer(handler);
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}/Users`;
    return { url, close: () => new Promise<void>((resolve) => (raw.closeAllConnections(), raw.close(() => resolve()))) };
  }

  const rawClient = (url: string, options: Partial<ScimClientOptions> = {}) =>
    track(new ScimClient({ settings: { auth: 'bearer', userUrl: url, orgResource: 'group' }, secrets: { token: 't' }, allowHttp: true, allowPrivate: true, requestTimeoutMs: 1000, connectTimeoutMs: 1000, connections: 1, ...options }));

  it('reads a chunked answer in pieces, and skips a byte order mark', async () => {
    const raw = await rawServer((_req, res) => {
      res.writeHead(201, { 'content-type': 'application/scim+json' });
      res.write(Buffer.from([0xef, 0xbb, 0xbf]));
      res.write('{"id":"r-1",');
      res.end('"userName":"ünï"}');
    });
    const created = await rawClient(raw.url).create(raw.url, { schemas: [], userName: 'ünï' });
    expect(created).toMatchObject({ status: 201, body: { id: 'r-1', userName: 'ünï' }, method: 'POST', path: '/Users' });
    await raw.close();
  });

  it('fails an answer larger than 5 MB as transient, without reading it all', async () => {
    const chunk = 'x'.repeat(1024 * 1024);
    const raw = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/scim+json' });
      for (let index = 0; index < 6; index += 1) res.write(chunk);
      res.end();
    });
    const error = await rawClient(raw.url).get(raw.url).catch((caught) => caught);
    expect(error).toBeInstanceOf(TransientPushError);
    expect(error.engineMessage.key).toBe('engine.push.responseTooLarge');
    await raw.close();
  });

  it('ends a request in flight when the center closes, as a transient failure', async () => {
    const raw = await rawServer(() => undefined); // never answers
    const closing = new AbortController();
    const scim = rawClient(raw.url, { closing: closing.signal, requestTimeoutMs: 10_000 });
    const pending = scim.get(raw.url).catch((caught) => caught);
    await new Promise((resolve) => setTimeout(resolve, 50));
    closing.abort();
    expect(await pending).toBeInstanceOf(TransientPushError);
    await expect(scim.get(raw.url)).rejects.toBeInstanceOf(TransientPushError);
    await raw.close();
  });
});
