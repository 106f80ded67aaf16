import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Loopback unless asked otherwise: the demo signs in with admin / admin. */
export const DEFAULT_HOST = '127.0.0.1';

const WILDCARDS = new Set(['0.0.0.0', '::']);

/** The address to bind, from the `HOST` environment variable. */
export function demoHost(env: NodeJS.ProcessEnv): string {
  return env.HOST?.trim() || DEFAULT_HOST;
}

export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** `host:port` as bound, IPv6 in brackets. */
export function boundAddress(address: AddressInfo): string {
  return address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
}

/** Where a browser on this machine reaches the bound server; a wildcard is reached through localhost. */
export function browserOrigin(address: AddressInfo): string {
  return WILDCARDS.has(address.address) ? `http://localhost:${address.port}` : `http://${boundAddress(address)}`;
}

/** The startup line that says exactly what is bound and who can reach it. */
export function bindingNote(address: AddressInfo): string {
  const bound = boundAddress(address);
  if (WILDCARDS.has(address.address)) {
    return `listening on ${bound}: every network interface, so anyone who can reach this machine can try admin / admin`;
  }
  if (address.address === '127.0.0.1' || address.address === '::1') {
    return `listening on ${bound} only (this machine); HOST=0.0.0.0 listens on every interface`;
  }
  return `listening on ${bound} only`;
}
