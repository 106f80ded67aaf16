import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSyncCenter, type SyncCenter } from '../../index.js';
import { hostIdentity, LOCK_STALE_MS, type LockRecord } from '../../lib/persistence/sqlite-worker-lock.js';
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
      expect(JSON.parse(readFileSync(`${file}.workers.lock`, 'utf8')).pid).toBe(process.pid);
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
      expect(JSON.parse(readFileSync(`${file}.workers.lock`, 'utf8')).pid).toBe(process.pid);
    } finally {
      await second.close();
    }
  });

  describe('two processes with the same pid in separate PID namespaces (issue 14, Low)', () => {
    // Both containers run the center as pid 24: here the other holder is written with our own pid.
    function otherHolder(host: string): LockRecord {
      return { pid: process.pid, token: 'the-other-container', host, acquiredAt: new Date().toISOString() };
    }

    it('refuses a holder with our pid from another PID namespace while it keeps its lock fresh', async () => {
      writeFileSync(`${file}.workers.lock`, JSON.stringify(otherHolder('other-container|boot-1|pid:[4026532999]')));
      const center = centerOn(file);
      await center.migrate();
      try {
        await expect(center.start()).rejects.toThrow(new RegExp(`another process \\(pid ${process.pid} in another PID namespace or on another host, other-container\\) already runs the sync workers`));
        expect(JSON.parse(readFileSync(`${file}.workers.lock`, 'utf8')).token, 'the other holder keeps its lock').toBe('the-other-container');
      } finally {
        await center.close();
      }
    });

    it('takes over such a lock once its holder stopped touching it', async () => {
      writeFileSync(`${file}.workers.lock`, JSON.stringify(otherHolder('other-container|boot-1|pid:[4026532999]')));
      const past = new Date(Date.now() - LOCK_STALE_MS - 1000);
      utimesSync(`${file}.workers.lock`, past, past);
      const center = centerOn(file);
      await center.migrate();
      await center.start();
      const record = JSON.parse(readFileSync(`${file}.workers.lock`, 'utf8')) as LockRecord;
      expect(record).toMatchObject({ pid: process.pid, host: hostIdentity() });
      expect(record.token).not.toBe('the-other-container');
      await center.close();
      expect(existsSync(`${file}.workers.lock`)).toBe(false);
    });

    it('takes over a lock of our own namespace whose pid is ours but whose token is not (a restarted process)', async () => {
      writeFileSync(`${file}.workers.lock`, JSON.stringify(otherHolder(hostIdentity())));
      const center = centerOn(file);
      await center.migrate();
      await center.start();
      expect((JSON.parse(readFileSync(`${file}.workers.lock`, 'utf8')) as LockRecord).token).not.toBe('the-other-container');
      await center.close();
    });

    it('refuses a live holder of our own namespace that writes the new record', async () => {
      const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
      writeFileSync(`${file}.workers.lock`, JSON.stringify({ ...otherHolder(hostIdentity()), pid: other.pid }));
      const center = centerOn(file);
      await center.migrate();
      try {
        await expect(center.start()).rejects.toThrow(new RegExp(`another process \\(pid ${other.pid}\\) already runs the sync workers`));
      } finally {
        other.kill('SIGKILL');
        await center.close();
      }
    });
  });
});
