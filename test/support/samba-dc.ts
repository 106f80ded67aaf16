import { afterAll, beforeAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'ldapts';
import { sleep } from '../../lib/util/sleep.js';
import { isListening, waitUntilListening } from './listening.js';
import { makeTestCertificates } from './test-certificates.js';

/** Debian's Samba (`apt-get install samba`) as an Active Directory domain controller; `.ci/run` installs it. */
export const SAMBA = '/usr/sbin/samba';
const SAMBA_TOOL = '/usr/bin/samba-tool';

/** Samba's LDAP server has fixed ports: the domain controller needs 389 and 636 on loopback free. */
const LDAP_PORT = 389;
const LDAPS_PORT = 636;

/**
 * The fixed ports allow one domain controller at a time on the machine, and test files run in
 * parallel: a DC is started under this lock (a file holding the owner's pid), which the next
 * file waits for. A lock whose process is gone is taken over.
 */
const LOCK_FILE = path.join(tmpdir(), 'ssc-samba-dc.lock');

function lockHolder(): number | null {
  try {
    const pid = Number(readFileSync(LOCK_FILE, 'utf8'));
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

async function acquireDcLock(timeoutMs: number): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      writeFileSync(LOCK_FILE, String(process.pid), { flag: 'wx' });
      return () => {
        if (lockHolder() === process.pid) unlinkSync(LOCK_FILE);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (lockHolder() === null) rmSync(LOCK_FILE, { force: true });
      else if (Date.now() > deadline) throw new Error(`another test file's Samba DC (pid ${lockHolder()}) held ${LOCK_FILE} for over ${timeoutMs} ms`);
      else await sleep(500);
    }
  }
}

/** Why the AD tests cannot run on this machine, or null when they can. Checked once per file. */
export async function sambaUnavailableReason(): Promise<string | null> {
  if (!existsSync(SAMBA) || !existsSync(SAMBA_TOOL)) return `${SAMBA} is not installed (apt-get install samba); CI installs it`;
  if (process.getuid?.() !== 0) return 'a Samba domain controller needs root to start';
  // Taken by another test file's DC is fine: startSambaDc waits for it.
  if (lockHolder() === null && ((await isListening(LDAP_PORT)) || (await isListening(LDAPS_PORT)))) return `port ${LDAP_PORT} or ${LDAPS_PORT} on 127.0.0.1 is taken (another LDAP server?), and Samba's LDAP ports are fixed`;
  return null;
}

export interface SambaDc {
  url: string;
  ldapsUrl: string;
  ca: string;
  /** `DC=example,DC=test` */
  baseDn: string;
  realm: string;
  adminDn: string;
  adminPassword: string;
  admin(): Promise<Client>;
  stop(): Promise<void>;
}

/**
 * Provisions a throw-away AD domain (EXAMPLE.TEST) in a temporary folder — about 15 s — and
 * starts Samba with only its LDAP and KDC services on 127.0.0.1, with a certificate for
 * 127.0.0.1 so that LDAPS verifies, once no other test file's DC holds the ports (see the lock
 * above). `stop()` kills it, removes the folder and lets the next one start.
 */
/**
 * One domain controller for the calling test file (provisioning takes ~15 s), started before its
 * tests where Samba can run (`unavailable` is null) and stopped after. Another file's DC may hold
 * the fixed ports first, so the start may wait up to 5 minutes.
 */
export function useSambaDc(unavailable: string | null): () => SambaDc {
  let dc: SambaDc | undefined;
  beforeAll(async () => {
    if (!unavailable) dc = await startSambaDc();
  }, 300_000);
  afterAll(async () => {
    await dc?.stop();
  });
  return () => dc!;
}

export async function startSambaDc(options: { lockTimeoutMs?: number } = {}): Promise<SambaDc> {
  const release = await acquireDcLock(options.lockTimeoutMs ?? 240_000);
  try {
    return await provisionAndStart(release);
  } catch (error) {
    release();
    throw error;
  }
}

async function provisionAndStart(release: () => void): Promise<SambaDc> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ssc-samba-'));
  const certificates = makeTestCertificates(dir);
  const adminPassword = 'Ssc-Test-Passw0rd!';
  const realm = 'EXAMPLE.TEST';
  const provision = spawnSync(
    SAMBA_TOOL,
    ['domain', 'provision', `--targetdir=${dir}/dc`, `--realm=${realm}`, '--domain=EXAMPLE', '--server-role=dc', '--dns-backend=NONE', `--adminpass=${adminPassword}`, '--host-name=dc1', '--use-rfc2307'],
    { encoding: 'utf8' },
  );
  if (provision.status !== 0) throw new Error(`samba-tool domain provision failed: ${provision.stderr.slice(-2000)}`);
  const confFile = path.join(dir, 'dc', 'etc', 'smb.conf');
  const conf = readFileSync(confFile, 'utf8')
    // No RPC service: nothing here speaks DCE/RPC, and its endpoints bind ports from 49152 up, inside
    // Linux's ephemeral range, where any test's outgoing connection or port-0 server may already hold
    // one (CI failed on 127.0.0.1:49154 being taken).
    .replace(/^\s*server services = .*$/m, '\tserver services = ldap, kdc, cldap')
    .replace(/^\s*log file = .*$/m, `\tlog file = ${dir}/log.%m`)
    .replace(
      /^\[global\]$/m,
      [
        '[global]',
        '\tinterfaces = lo',
        '\tbind interfaces only = yes',
        // The tests bind with a password over plain LDAP too (only to show that the center refuses it by default).
        '\tldap server require strong auth = no',
        `\ttls cafile = ${certificates.caFile}`,
        `\ttls certfile = ${certificates.certFile}`,
        `\ttls keyfile = ${certificates.keyFile}`,
      ].join('\n'),
    );
  writeFileSync(confFile, conf);
  const child = spawn(SAMBA, ['-i', '-s', confFile], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  await waitUntilListening(LDAPS_PORT, child, () => output, 60_000);

  const baseDn = 'DC=example,DC=test';
  const adminDn = `CN=Administrator,CN=Users,${baseDn}`;
  const ldapsUrl = `ldaps://127.0.0.1:${LDAPS_PORT}`;
  return {
    url: `ldap://127.0.0.1:${LDAP_PORT}`,
    ldapsUrl,
    ca: certificates.ca,
    baseDn,
    realm,
    adminDn,
    adminPassword,
    async admin() {
      const client = new Client({ url: ldapsUrl, tlsOptions: { ca: [certificates.ca] }, timeout: 15_000, connectTimeout: 15_000 });
      await client.bind(adminDn, adminPassword);
      return client;
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        // Samba forks workers into its process group: end them all.
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
        await exited;
      }
      spawnSync('pkill', ['-KILL', '-f', confFile]);
      // The next DC must not mistake this one's last workers for its own server.
      for (let tries = 0; tries < 100 && ((await isListening(LDAP_PORT)) || (await isListening(LDAPS_PORT))); tries += 1) await sleep(100);
      rmSync(dir, { recursive: true, force: true });
      release();
    },
  };
}
