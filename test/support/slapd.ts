import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'ldapts';
import { freePort, waitUntilListening } from './listening.js';
import { makeTestCertificates } from './test-certificates.js';

/** Debian's OpenLDAP server (`apt-get install slapd ldap-utils`); `.ci/run` installs it. */
export const SLAPD = '/usr/sbin/slapd';
export const HAS_SLAPD = existsSync(SLAPD) && existsSync('/etc/ldap/schema/inetorgperson.schema');

if (!HAS_SLAPD) {
  console.warn(`\n[LDAP tests] SKIPPED: ${SLAPD} is not installed (apt-get install slapd ldap-utils). CI installs it, so they run there.\n`);
}

export interface Slapd {
  /** `ldap://127.0.0.1:<port>`: plain LDAP, which also offers StartTLS. */
  url: string;
  /** `ldaps://127.0.0.1:<port>`: LDAP over TLS from the first byte. */
  ldapsUrl: string;
  /** The throw-away CA that signed the server's certificate (PEM), for `tlsOptions.ca`. */
  ca: string;
  suffix: string;
  rootDn: string;
  rootPassword: string;
  /** A client bound as the root DN, for a test to look at or change the tree behind the center's back. */
  admin(): Promise<Client>;
  /** Kills the server (SIGKILL), keeping its database and ports: the server going down. */
  kill(): Promise<void>;
  /** Starts it again on the same ports with the same database. */
  restart(): Promise<void>;
  /** Deletes everything under the suffix (the suffix entry stays). */
  wipe(): Promise<void>;
  stop(): Promise<void>;
}

const SUFFIX = 'dc=example,dc=test';

/**
 * Starts a private slapd on two free loopback ports with an empty mdb database in a temporary
 * folder and a self-signed certificate, and creates the suffix entry. Nothing is shared with a
 * system slapd; `stop()` kills it and removes the folder. `syncWrites: false` (benchmarks) sets
 * `dbnosync`, so that disk flushes do not hide the cost of what the client sends.
 */
export async function startSlapd(options: { syncWrites?: boolean } = {}): Promise<Slapd> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ssc-slapd-'));
  mkdirSync(path.join(dir, 'data'));
  const certificates = makeTestCertificates(dir);
  const rootDn = `cn=admin,${SUFFIX}`;
  const rootPassword = 'slapd-test-password';
  writeFileSync(
    path.join(dir, 'slapd.conf'),
    [
      ...['core', 'cosine', 'inetorgperson', 'nis'].map((schema) => `include /etc/ldap/schema/${schema}.schema`),
      `pidfile ${dir}/slapd.pid`,
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      `TLSCACertificateFile ${certificates.caFile}`,
      `TLSCertificateFile ${certificates.certFile}`,
      `TLSCertificateKeyFile ${certificates.keyFile}`,
      'database mdb',
      'maxsize 1073741824',
      ...(options.syncWrites === false ? ['dbnosync'] : []),
      `suffix "${SUFFIX}"`,
      `rootdn "${rootDn}"`,
      `rootpw ${rootPassword}`,
      `directory ${dir}/data`,
      'index objectClass eq',
      'index uid,mail,cn,entryUUID eq',
      '',
    ].join('\n'),
  );
  const [port, tlsPort] = [await freePort(), await freePort()];
  let output = '';
  const launch = async () => {
    const started = spawn(SLAPD, ['-f', path.join(dir, 'slapd.conf'), '-h', `ldap://127.0.0.1:${port}/ ldaps://127.0.0.1:${tlsPort}/`, '-d', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    started.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    await waitUntilListening(port, started, () => output);
    return started;
  };
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  let child = await launch();
  const url = `ldap://127.0.0.1:${port}`;

  const connect = async () => {
    const client = new Client({ url, connectTimeout: 5000, timeout: 10_000 });
    await client.bind(rootDn, rootPassword);
    return client;
  };
  const setup = await connect();
  await setup.add(SUFFIX, { objectClass: ['dcObject', 'organization'], dc: 'example', o: 'Example' });
  await setup.unbind();

  return {
    url,
    ldapsUrl: `ldaps://127.0.0.1:${tlsPort}`,
    ca: certificates.ca,
    suffix: SUFFIX,
    rootDn,
    rootPassword,
    admin: connect,
    async wipe() {
      const client = await connect();
      try {
        const { searchEntries } = await client.search(SUFFIX, { scope: 'sub', attributes: ['1.1'] });
        // Deepest first: LDAP deletes leaves only.
        const dns = searchEntries.map((entry) => entry.dn).filter((dn) => dn.toLowerCase() !== SUFFIX);
        dns.sort((a, b) => b.split(',').length - a.split(',').length);
        for (const dn of dns) await client.del(dn);
      } finally {
        await client.unbind();
      }
    },
    kill,
    async restart() {
      await kill();
      child = await launch();
    },
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
