import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createSyncCenter, type SyncCenter } from '../../../index.js';
import { AddressNotAllowedError, guardedConnector } from '../../../lib/util/address-guard.js';
import { createAuthenticator } from '../../../lib/push/client/auth.js';
import { StopSyncError } from '../../../lib/push/client/errors.js';
import { ScimClient } from '../../../lib/push/client/scim-client.js';
import { FakeScimServer } from '../../support/fake-scim-server.js';
import { MemoryDirectory } from '../../support/memory-directory.js';
import { createPushSource, FAST_PUSH } from '../../support/push-helpers.js';
import { createTestCenter, silentLogger, TEST_KEY, type TestCenter } from '../../support/test-center.js';

/** Issue 14 item 10: push reaches only the addresses the host allows, and Test connection is no port scanner. */
describe('push egress: which addresses push may reach', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  const center = async (allowPrivatePush: boolean, requestTimeoutMs = FAST_PUSH.requestTimeoutMs): Promise<TestCenter> => {
    const t = await createTestCenter({ allowPrivatePush, push: { ...FAST_PUSH, requestTimeoutMs } });
    closers.push(() => t.close());
    return t;
  };
  const fakeServer = async (): Promise<FakeScimServer> => {
    const server = await new FakeScimServer().start();
    closers.push(() => server.close());
    return server;
  };
  const pushInput = (userUrl: string) => ({ name: `App ${Math.random()}`, mode: 'push' as const, push: { auth: 'bearer' as const, token: 'tok', userUrl } });

  it('is off by default: allowPrivatePush defaults to false and must be a boolean', () => {
    const base = { directory: new MemoryDirectory(), admin: { isAdmin: () => true }, secretKey: TEST_KEY, logger: silentLogger };
    expect(() => createSyncCenter({ ...base, allowPrivatePush: 'yes' as never })).toThrow(/allowPrivatePush/);
  });

  it('refuses metadata, link-local and special-purpose URLs when saved or tested, private networks allowed or not', async () => {
    for (const allowPrivatePush of [false, true]) {
      const t = await center(allowPrivatePush);
      for (const url of ['http://169.254.169.254/latest/meta-data', 'http://metadata.google.internal/v1/Users', 'http://[::ffff:169.254.169.254]/Users', 'http://0.0.0.0:8080/Users', 'http://100.100.100.200/Users']) {
        await expect(t.center.sources.create(pushInput(url)), url).rejects.toMatchObject({ issues: [expect.objectContaining({ field: 'push.userUrl', code: 'address_not_allowed' })] });
        await expect(t.center.push.testConnection({ auth: 'bearer', token: 'tok', userUrl: url }), url).rejects.toMatchObject({ code: 'SSC_VALIDATION' });
      }
    }
  });

  it('refuses loopback and private networks in any notation unless the host sets allowPrivatePush', async () => {
    const server = await fakeServer();
    const port = new URL(server.url('Users')).port;
    const strict = await center(false);
    for (const host of ['2130706433', '0x7f.1', '127.0.0.1', '[::1]', '10.0.0.8', '192.168.1.20', 'localhost']) {
      const url = `http://${host}:${port}/scim/v2/Users`;
      await expect(strict.center.sources.create(pushInput(url)), url).rejects.toMatchObject({ issues: [expect.objectContaining({ field: 'push.userUrl', code: 'private_address' })] });
    }
    const lenient = await center(true);
    const source = await createPushSource(lenient.center, { url: (endpoint) => `http://2130706433:${port}/scim/v2/${endpoint}`, options: server.options });
    expect(source.push!.userUrl).toBe(`http://2130706433:${port}/scim/v2/Users`);
    expect((await lenient.center.push.testConnection(source.id)).ok).toBe(true);
  });

  it('reports a stored address the host no longer allows as such, sends nothing and tries nothing further', async () => {
    const server = await fakeServer();
    const lenient = await center(true);
    const source = await createPushSource(lenient.center, server);
    // Another instance of the same host, started without allowPrivatePush, on the same database.
    const strict: SyncCenter = createSyncCenter({ database: lenient.knex, directory: new MemoryDirectory(), admin: { isAdmin: () => true }, secretKey: TEST_KEY, allowHttpPush: true, logger: silentLogger });
    closers.push(() => strict.close());
    const result = await strict.push.testConnection(source.id, undefined, { actor: 'alice' });
    expect(result.ok).toBe(false);
    expect(result.steps[0]).toMatchObject({ name: 'auth', ok: false, problem: 'address_not_allowed', address: '127.0.0.1' });
    expect(result.steps.slice(1).every((step) => step.skipped && !step.ok)).toBe(true);
    expect(server.requests).toHaveLength(0);
    const [entry] = await strict.audit.list({ sourceId: source.id, limit: 1 });
    expect(entry).toMatchObject({ actor: 'alice', action: 'push.test_connection', detail: { outcome: 'address_not_allowed' } });
  });

  it('gives one generic "could not connect" for a closed port, a reset and a silent listener: no port scanning', async () => {
    const t = await center(true, 300);
    const closedPort = await freePort();
    const reset = net.createServer((socket) => socket.resetAndDestroy());
    const silent = net.createServer(() => undefined); // accepts and never answers
    const sockets: net.Socket[] = [];
    silent.on('connection', (socket) => sockets.push(socket));
    for (const server of [reset, silent]) {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      closers.push(() => new Promise((resolve) => (sockets.forEach((socket) => socket.destroy()), server.close(resolve))));
    }
    const details: string[] = [];
    for (const port of [closedPort, (reset.address() as AddressInfo).port, (silent.address() as AddressInfo).port]) {
      const result = await t.center.push.testConnection({ auth: 'bearer', token: 'tok', userUrl: `http://127.0.0.1:${port}/scim/v2/Users` });
      const failed = result.steps.filter((step) => !step.ok);
      expect(failed.map((step) => step.name)).toEqual(['serviceProviderConfig', 'users']);
      expect(failed.every((step) => step.problem === 'could_not_connect' && step.status === undefined)).toBe(true);
      details.push(JSON.stringify(result.steps.map(({ name, ok, detail, problem }) => ({ name, ok, detail, problem }))));
      expect(JSON.stringify(result)).not.toMatch(/refused|reset|timeout|ECONN|UND_ERR/i);
    }
    expect(new Set(details).size).toBe(1);
  });

  it('sends the OAuth token request through the same guard', async () => {
    let requests = 0;
    const tokenServer = http.createServer((_req, res) => (requests++, res.end('{}')));
    await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => tokenServer.close(resolve)));
    const tokenUrl = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/oauth/token`;
    const dispatcher = new Agent({ connect: guardedConnector({ allowPrivate: false }, { timeout: 1000 }) });
    closers.push(() => dispatcher.close());
    const auth = createAuthenticator({ settings: { auth: 'oauth2', clientId: 'app', tokenUrl }, secrets: { clientSecret: 'cs' }, dispatcher, timeoutMs: 1000 });
    const error = await auth.header().catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(StopSyncError);
    expect((error as StopSyncError).cause).toBeInstanceOf(AddressNotAllowedError);
    expect(requests).toBe(0);
    // And the SCIM client refuses such a token URL before any request.
    expect(
      () => new ScimClient({ settings: { auth: 'oauth2', clientId: 'app', tokenUrl, userUrl: 'https://scim.example.com/Users', orgResource: 'group' }, secrets: { clientSecret: 'cs' }, allowHttp: true, allowPrivate: false, requestTimeoutMs: 1000, connectTimeoutMs: 1000, connections: 1 }),
    ).toThrow(/the address 127\.0\.0\.1 is not allowed/);
  });
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
