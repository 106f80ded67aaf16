import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_SLAPD } from '../support/slapd.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Resolves with everything printed once the startup lines are out. */
function startDemo(env: NodeJS.ProcessEnv): { child: ChildProcess; started: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/demo/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const started = new Promise<string>((resolve, reject) => {
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('its bearer token')) resolve(output);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.once('exit', (code) => reject(new Error(`the demo exited with ${code}:\n${output}`)));
  });
  return { child, started };
}

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(2000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

describe('npm start (examples/demo/main.ts)', () => {
  let dataDir: string;
  let child: ChildProcess;
  let output: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'ssc-demo-main-'));
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DOWNSTREAM_PORT: '0', DEMO_DATA_DIR: dataDir };
    delete env.HOST;
    const demo = startDemo(env);
    child = demo.child;
    output = await demo.started;
  }, 120_000);
  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  const boundPort = () => Number(/listening on 127\.0\.0\.1:(\d+) only/.exec(output)?.[1]);

  it('binds 127.0.0.1 without HOST and says so', async () => {
    expect(output).toMatch(/demo: listening on 127\.0\.0\.1:\d+ only \(this machine\); HOST=0\.0\.0\.0 listens on every interface/);
    expect(output).toContain(`demo: the IdP is at http://127.0.0.1:${boundPort()}  (sign in as admin / admin`);
    const login = await fetch(`http://127.0.0.1:${boundPort()}/login`);
    expect(login.status).toBe(200);
  });

  it('prints the downstream’s bearer token, the one kept with the demo data', () => {
    const token = readFileSync(path.join(dataDir, 'downstream-token'), 'utf8').trim();
    expect(token).toMatch(/^demo_/);
    expect(output).toContain(`its bearer token ${token} (a demo secret, printed on purpose)`);
  });

  it('starts a throw-away slapd as its LDAP destination where slapd is installed, and says why not elsewhere', async () => {
    if (!HAS_SLAPD) {
      expect(output).toMatch(/demo: no LDAP destination: .*slapd/);
      return;
    }
    const url = /demo: a throw-away slapd \(OpenLDAP\) is at (ldaps:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    expect(url).toBeDefined();
    const passwordFile = / -y (\S+) /.exec(output)?.[1];
    expect(output).toMatch(/demo: look at its tree: LDAPTLS_CACERT=\S+ ldapsearch -H ldaps:\/\/127\.0\.0\.1:\d+ /);
    // The root password stays in its file: never printed.
    expect(passwordFile).toBeDefined();
    expect(output).not.toContain(readFileSync(passwordFile!, 'utf8'));
    expect(await connects('127.0.0.1', Number(new URL(url!).port))).toBe(true);
  });

  it('is not reachable on the machine’s other addresses', async () => {
    const others = Object.values(os.networkInterfaces())
      .flat()
      .filter((address) => address && !address.internal && address.family === 'IPv4')
      .map((address) => address!.address);
    for (const other of others) expect(await connects(other, boundPort())).toBe(false);
    expect(await connects('127.0.0.1', boundPort())).toBe(true);
  });
});
