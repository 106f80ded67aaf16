import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface ThrowawayCertificates {
  /** PEM of the throw-away CA, for a client's `ca`. */
  ca: string;
  caFile: string;
  certFile: string;
  keyFile: string;
}

/**
 * A throw-away CA and a server certificate for 127.0.0.1 and localhost in `dir`, made with openssl,
 * valid two days: for the demo's slapd and the tests' LDAP servers, never for a real one.
 */
export function makeThrowawayCertificates(dir: string): ThrowawayCertificates {
  const run = (args: string[]) => {
    const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
  };
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=scim-sync-center throw-away CA']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext']);
  const caFile = path.join(dir, 'ca.pem');
  return { ca: readFileSync(caFile, 'utf8'), caFile, certFile: path.join(dir, 'server.pem'), keyFile: path.join(dir, 'server.key') };
}
