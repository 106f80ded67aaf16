import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'ldapts';
import { makeThrowawayCertificates } from './certificates.js';
import { freePort, waitUntilListening } from './listening.js';

/** Debian's OpenLDAP server (`apt-get install slapd ldap-utils`); `.ci/run` installs it. */
export const SLAPD = '/usr/sbin/slapd';
const SCHEMA_DIR = '/etc/ldap/schema';

/** Why a throw-away slapd cannot start on this machine, or null when it can. */
export function slapdUnavailableReason(): string | null {
  if (!existsSync(SLAPD)) return `${SLAPD} is not installed (apt-get install slapd ldap-utils)`;
  if (!existsSync(path.join(SCHEMA_DIR, 'inetorgperson.schema'))) return `${SCHEMA_DIR}/inetorgperson.schema is missing (apt-get install slapd ldap-utils)`;
  return null;
}

export interface Slapd {
  /** `ldap://127.0.0.1:<port>`: plain LDAP, which also offers StartTLS. */
  url: string;
  /** `ldaps://127.0.0.1:<port>`: LDAP over TLS from the first byte. */
  ldapsUrl: string;
  /** The throw-away CA that signed the server's certificate (PEM), for `tlsOptions.ca`. */
  ca: string;
  /** The same CA as a file, for command-line clients (`LDAPTLS_CACERT=<caFile> ldapsearch …`). */
  caFile: string;
  suffix: string;
  rootDn: string;
  rootPassword: string;
  /** The root password in a file only its owner reads, for command-line clients (`ldapsearch -y <file>`). */
  rootPasswordFile: string;
  /** A client bound as the root DN, to look at or change the tree behind the center's back. */
  admin(): Promise<Client>;
  /** Kills the server (SIGKILL), keeping its database and ports: the server going down. */
  kill(): Promise<void>;
  /** Starts it again on the same ports with the same database. */
  restart(): Promise<void>;
  /** Deletes everything under the suffix (the suffix entry stays). */
  wipe(): Promise<void>;
  /** The writes the server completed since it started, as its monitor database counts them (back to 0 after `restart()`). */
  operations(): Promise<SlapdOperations>;
  stop(): Promise<void>;
}

/** Completed operations by kind, from `cn=Operations,cn=Monitor`. */
export interface SlapdOperations {
  add: number;
  modify: number;
  modrdn: number;
  delete: number;
}

export interface SlapdOptions {
  /** `false` sets `dbnosync` (benchmarks), so that disk flushes do not hide the cost of what the client sends. @default true */
  syncWrites?: boolean;
  /** Loopback ports to listen on; a free one for each when absent. */
  ports?: { ldap?: number; ldaps?: number };
}

const SUFFIX = 'dc=example,dc=test';

/**
 * Starts a private slapd on two loopback ports with an empty mdb database in a temporary folder,
 * a throw-away CA and certificate, and a random root password, and creates the suffix entry.
 * Nothing is shared with a system slapd; `stop()` kills it and removes the folder. Used by the
 * demo (its LDAP destination) and by the tests and benchmarks (test/support/slapd.ts).
 */
export async function startSlapd(options: SlapdOptions = {}): Promise<Slapd> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ssc-slapd-'));
  try {
    return await launchIn(dir, options);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

async function launchIn(dir: string, options: SlapdOptions): Promise<Slapd> {
  mkdirSync(path.join(dir, 'data'));
  const certificates = makeThrowawayCertificates(dir);
  const rootDn = `cn=admin,${SUFFIX}`;
  const rootPassword = randomBytes(18).toString('base64url');
  const rootPasswordFile = path.join(dir, 'root-password');
  // No newline: ldapsearch -y sends the file's bytes as they are.
  writeFileSync(rootPasswordFile, rootPassword, { mode: 0o600 });
  writeFileSync(
    path.join(dir, 'slapd.conf'),
    [
      ...['core', 'cosine', 'inetorgperson', 'nis'].map((schema) => `include ${SCHEMA_DIR}/${schema}.schema`),
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
      // Operation counts (cn=Monitor), so a test can say how many writes a sync cost on the server's side.
      'database monitor',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const port = options.ports?.ldap || (await freePort());
  const tlsPort = options.ports?.ldaps || (await freePort());
  let output = '';
  const launch = async () => {
    const started = spawn(SLAPD, ['-f', path.join(dir, 'slapd.conf'), '-h', `ldap://127.0.0.1:${port}/ ldaps://127.0.0.1:${tlsPort}/`, '-d', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    started.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    try {
      await waitUntilListening(port, started, () => output);
    } catch (error) {
      started.kill('SIGKILL');
      throw error;
    }
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
  try {
    const setup = await connect();
    await setup.add(SUFFIX, { objectClass: ['dcObject', 'organization'], dc: 'example', o: 'Example' });
    await setup.unbind();
  } catch (error) {
    await kill();
    throw error;
  }

  return {
    url,
    ldapsUrl: `ldaps://127.0.0.1:${tlsPort}`,
    ca: certificates.ca,
    caFile: certificates.caFile,
    suffix: SUFFIX,
    rootDn,
    rootPassword,
    rootPasswordFile,
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
    async operations() {
      const client = await connect();
      try {
        const { searchEntries } = await client.search('cn=Operations,cn=Monitor', { scope: 'one', attributes: ['monitorOpCompleted'] });
        const completed = (name: string) => Number(searchEntries.find((entry) => entry.dn.toLowerCase() === `cn=${name},cn=operations,cn=monitor`)?.monitorOpCompleted ?? NaN);
        return { add: completed('add'), modify: completed('modify'), modrdn: completed('modrdn'), delete: completed('delete') };
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
