import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import type { Knex } from 'knex';
import { StateConflictError } from '../errors.js';
import { isSqlite } from './database.js';

/** Lock files this process holds: a second center of the same process on the same file is refused too. */
const heldHere = new Set<string>();

/**
 * On a sqlite file one process runs the workers: it holds `<database file>.workers.lock` with its
 * pid. The leases in `sync_leases` are plain conditional statements that sqlite runs too, but
 * every writer of every process would queue on sqlite's single write lock (5 s busy timeout,
 * then SQLITE_BUSY), and several processes are only tested on PostgreSQL. A second process gets
 * a clear refusal (its console and SCIM server still work); a lock left by a dead process is
 * taken over. In-memory sqlite and PostgreSQL take no lock.
 */
export class SqliteWorkerLock {
  #path: string | null = null;

  constructor(private readonly knex: Knex) {}

  acquire(): void {
    const file = sqliteFilename(this.knex);
    if (!file) return;
    const path = `${file}.workers.lock`;
    if (heldHere.has(path)) throw refusal(process.pid, file);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        this.#path = path;
        heldHere.add(path);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
        if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) throw refusal(holder, file);
        unlinkSync(path); // stale: its process is gone
      }
    }
  }

  release(): void {
    if (!this.#path) return;
    heldHere.delete(this.#path);
    try {
      unlinkSync(this.#path);
    } catch {
      // already gone
    }
    this.#path = null;
  }
}

function refusal(holder: number, file: string): StateConflictError {
  const who = holder === process.pid ? 'another sync center in this process' : `another process (pid ${holder})`;
  return new StateConflictError(
    'sqlite_workers_taken',
    `${who} already runs the sync workers on ${file}. sqlite supports one worker process; use PostgreSQL to run several instances, or start this one without start() (its console and SCIM server still work).`,
  );
}

function sqliteFilename(knex: Knex): string | null {
  if (!isSqlite(knex)) return null;
  const connection = knex.client.config.connection as { filename?: string } | undefined;
  const filename = connection?.filename;
  return filename && filename !== ':memory:' && !filename.startsWith('file::memory:') ? filename : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
