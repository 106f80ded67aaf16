import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSyncCenter, type SyncCenter } from '../../index.js';
import { MemoryDirectory } from '../support/memory-directory.js';
import { silentLogger, TEST_KEY } from '../support/test-center.js';

function centerOn(file: string): SyncCenter {
  return createSyncCenter({ directory: new MemoryDirectory(), admin: { isAdmin: () => false }, sqliteFile: file, secretKey: TEST_KEY, logger: silentLogger });
}

describe('workers on a sqlite file', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ssc-lock-'));
    file = path.join(dir, 'center.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a second process with a clear message while the first runs', async () => {
    // Another live process holds the lock: a sleeping child stands in for it.
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    writeFileSync(`${file}.workers.lock`, String(other.pid));
    const center = centerOn(file);
    await center.migrate();
    try {
      await expect(center.start()).rejects.toThrow(new RegExp(`another process \\(pid ${other.pid}\\) already runs the sync workers`));
      // The console and the SCIM server still work without the workers.
      await center.changes.userUpserted({ id: 'a', userName: 'a@example.com' });
    } finally {
      other.kill('SIGKILL');
      await center.close();
    }
  });

  it('takes over a lock left by a process that died', async () => {
    writeFileSync(`${file}.workers.lock`, '2147483646');
    const center = centerOn(file);
    await center.migrate();
    await center.start();
    try {
      expect(readFileSync(`${file}.workers.lock`, 'utf8')).toBe(String(process.pid));
    } finally {
      await center.close();
    }
    expect(existsSync(`${file}.workers.lock`)).toBe(false);
  });

  it('refuses a second center of the same process on the same file', async () => {
    const first = centerOn(file);
    await first.migrate();
    await first.start();
    const second = centerOn(file);
    await expect(second.start()).rejects.toThrow(/another sync center in this process/);
    await second.close();
    await first.close();
  });

  it('lets the next process start after close()', async () => {
    const first = centerOn(file);
    await first.migrate();
    await first.start();
    await first.close();
    expect(existsSync(`${file}.workers.lock`)).toBe(false);
    const second = centerOn(file);
    await second.start();
    try {
      expect(readFileSync(`${file}.workers.lock`, 'utf8')).toBe(String(process.pid));
    } finally {
      await second.close();
    }
  });
});
