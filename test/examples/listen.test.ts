import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { bindingNote, browserOrigin, demoHost } from '../../examples/demo/listen.js';

const at = (address: string, family: 'IPv4' | 'IPv6', port = 3000): AddressInfo => ({ address, family, port });

describe('the demo’s listening address', () => {
  it('is loopback unless HOST says otherwise', () => {
    expect(demoHost({})).toBe('127.0.0.1');
    expect(demoHost({ HOST: '  ' })).toBe('127.0.0.1');
    expect(demoHost({ HOST: '0.0.0.0' })).toBe('0.0.0.0');
  });

  it('prints a wildcard bind as every interface, reached in a browser through localhost', () => {
    expect(bindingNote(at('0.0.0.0', 'IPv4'))).toBe('listening on 0.0.0.0:3000: every network interface, so anyone who can reach this machine can try admin / admin');
    expect(bindingNote(at('::', 'IPv6'))).toMatch(/^listening on \[::\]:3000: every network interface/);
    expect(browserOrigin(at('::', 'IPv6'))).toBe('http://localhost:3000');
  });

  it('prints a specific address as bound', () => {
    expect(bindingNote(at('::1', 'IPv6', 8080))).toBe('listening on [::1]:8080 only (this machine); HOST=0.0.0.0 listens on every interface');
    expect(browserOrigin(at('::1', 'IPv6', 8080))).toBe('http://[::1]:8080');
    expect(bindingNote(at('192.0.2.10', 'IPv4'))).toBe('listening on 192.0.2.10:3000 only');
    expect(browserOrigin(at('192.0.2.10', 'IPv4'))).toBe('http://192.0.2.10:3000');
  });
});
