import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AddressNotAllowedError, classifyAddress, guardedConnector, guardedLookup, hostRefusal } from '../../../lib/util/address-guard.js';

const STRICT = { allowPrivate: false };
const PRIVATE_OK = { allowPrivate: true };

/** What the save-time check says of a URL's host: null when allowed, else the refused address. */
function refused(url: string, policy = STRICT): string | null {
  return hostRefusal(new URL(url), policy)?.address ?? null;
}

describe('address guard: what push may reach', () => {
  it('refuses link-local, metadata and special-purpose addresses in any notation, even where private networks are allowed', () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      'http://metadata.google.internal/computeMetadata/v1',
      'http://METADATA.google.internal./x',
      'http://[::ffff:169.254.169.254]/',
      'http://[::ffff:a9fe:a9fe]/',
      'http://[64:ff9b::169.254.169.254]/', // NAT64 of the metadata address
      'http://[fe80::1]/',
      'http://[fd00:ec2::254]/', // AWS metadata over IPv6
      'http://100.100.100.200/', // Alibaba metadata, inside 100.64/10
      'http://0.0.0.0:8080/',
      'http://0/', // 0.0.0.0 in decimal
      'http://[::]/',
      'http://100.64.0.1/',
      'http://192.0.0.8/',
      'http://198.18.0.1/',
      'http://224.0.0.1/',
      'http://239.255.255.250/',
      'http://240.0.0.1/',
      'http://255.255.255.255/',
      'http://[ff02::1]/',
      'http://[2001:db8::1]/',
      'http://[2002:a9fe:a9fe::1]/', // 6to4 of 169.254.169.254
      'http://[::127.0.0.1]/', // IPv4-compatible, deprecated
    ]) {
      expect(refused(url, PRIVATE_OK), url).not.toBeNull();
      expect(refused(url, STRICT), url).not.toBeNull();
    }
  });

  it('refuses private networks and loopback unless the host allows them, in decimal, hex, octal and mapped forms', () => {
    for (const url of [
      'http://127.0.0.1:8080/',
      'http://2130706433/', // 127.0.0.1 in decimal
      'http://0x7f.1/', // 127.0.0.1 in hex shorthand
      'http://0177.0.0.1/', // octal
      'http://127.1/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:10.0.0.1]/',
      'http://localhost:3000/',
      'http://api.localhost/',
      'http://10.1.2.3/',
      'http://172.16.0.1/',
      'http://172.31.255.255/',
      'http://192.168.1.1/',
      'http://[fd12:3456::1]/',
    ]) {
      expect(refused(url, STRICT), url).not.toBeNull();
      expect(refused(url, PRIVATE_OK), url).toBeNull();
    }
  });

  it('allows public addresses and leaves other names to the connect-time check', () => {
    for (const url of ['https://8.8.8.8/', 'https://172.32.0.1/', 'https://[2606:4700:4700::1111]/', 'https://[::ffff:8.8.8.8]/', 'https://scim.example.com/v2']) {
      expect(refused(url, STRICT), url).toBeNull();
    }
  });

  it('names the range in the message, and says when allowPrivatePush would allow it', () => {
    expect(classifyAddress('169.254.169.254')).toEqual({ kind: 'special', label: 'link-local / cloud metadata' });
    expect(hostRefusal(new URL('http://2130706433/'), STRICT)?.message).toBe('address not allowed: 127.0.0.1 (loopback; the host can allow it with allowPrivatePush)');
    expect(hostRefusal(new URL('http://[::ffff:169.254.169.254]/'), PRIVATE_OK)?.message).toBe('address not allowed: ::ffff:a9fe:a9fe (link-local / cloud metadata)');
  });
});

describe('address guard at connect time', () => {
  const servers: net.Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('refuses a name when any address it resolves to is refused (a rebinding or mixed answer)', async () => {
    const answers = [
      [{ address: '93.184.216.34', family: 4 }],
      [{ address: '93.184.216.34', family: 4 }, { address: '169.254.169.254', family: 4 }],
    ];
    const resolver = ((_name: string, _options: object, callback: (error: null, addresses: unknown) => void) => callback(null, answers.shift())) as never;
    const lookup = guardedLookup(STRICT, resolver);
    const ask = () =>
      new Promise<{ error: NodeJS.ErrnoException | null; address: unknown }>((resolve) => lookup('rebinding.example', { all: true }, (error, address) => resolve({ error, address })));
    expect(await ask()).toEqual({ error: null, address: [{ address: '93.184.216.34', family: 4 }] });
    const second = await ask();
    expect(second.error).toBeInstanceOf(AddressNotAllowedError);
    expect(second.error?.message).toContain('169.254.169.254');
  });

  it('never opens a socket to a refused address, whether the URL names it or a name resolves to it', async () => {
    let accepted = 0;
    const server = net.createServer((socket) => {
      accepted++;
      socket.destroy();
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const connect = guardedConnector(STRICT, { timeout: 1000 });
    for (const hostname of ['127.0.0.1', 'localhost']) {
      const error = await new Promise<Error | null>((resolve) => connect({ hostname, host: `${hostname}:${port}`, protocol: 'http:', port: String(port) } as never, (...result) => resolve(result[0])));
      expect(error, hostname).toBeInstanceOf(AddressNotAllowedError);
    }
    // The same connector with private networks allowed does reach it.
    const allowed = guardedConnector(PRIVATE_OK, { timeout: 1000 });
    const socket = await new Promise<net.Socket>((resolve, reject) =>
      allowed({ hostname: 'localhost', host: `localhost:${port}`, protocol: 'http:', port: String(port) } as never, (failure, opened) => (failure ? reject(failure) : resolve(opened as net.Socket))),
    );
    socket.destroy();
    await expect.poll(() => accepted).toBe(1);
  });
});
