import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, readlinkSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import os from 'node:os';
import type { Knex } from 'knex';
import { StateConflictError } from '../errors.js';
import { isSqlite } from './database.js';

/** Lock files this process holds: a second center of the same process on the same file is refused too. */
const heldHere = new Set<string>();

/** How often the holder touches its lock file, and how old a touch may be before a holder we cannot ask counts as gone. */
export const LOCK_HEARTBEAT_MS = 10_000;
export const LOCK_STALE_MS = 60_000;

/** What the lock file holds. `host` says where `pid` means something: hostname, boot id and PID namespace. */
export interface LockRecord {
  pid: number;
  /** Random per acquisition: two processes with the same pid still differ. */
  token: string;
  host: string;
  acquiredAt: string;
}

/**
 * On a sqlite file one process runs the workers: it holds `<database file>.workers.lock`. The
 * leases in `sync_leases` are plain conditional statements that sqlite runs too, but every
 * writer of every process would queue on sqlite's single write lock (5 s busy timeout, then
 * SQLITE_BUSY), and several processes are only tested on PostgreSQL. A second process gets a
 * clear refusal (its console and SCIM server still work); a lock left by a dead process is
 * taken over. In-memory sqlite and PostgreSQL take no lock.
 *
 * A pid alone does not name a process: two containers sharing the file's volume both run as
 * pid 24. So the file also says where its pid lives (hostname, boot id, PID namespace) with a
 * random token, and the holder touches it every `LOCK_HEARTBEAT_MS`. A holder of our own PID
 * namespace is alive while its pid is; one elsewhere, which we cannot signal, while its touches
 * are recent (`LOCK_STALE_MS`).
 */
export class SqliteWorkerLock {
  #path: string | null = null;
  #heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly knex: Knex,
    private readonly host: string = hostIdentity(),
  ) {}

  acquire(): void {
    const file = sqliteFilename(this.knex);
    if (!file) return;
    const path = `${file}.workers.lock`;
    if (heldHere.has(path)) throw refusal('another sync center in this process', file);
    const record: LockRecord = { pid: process.pid, token: randomBytes(16).toString('hex'), host: this.host, acquiredAt: new Date().toISOString() };
    for (let attempt = 0; attempt < 2; attempt += 1) {
      if (createExclusive(path, JSON.stringify(record))) {
        this.#path = path;
        heldHere.add(path);
        this.#heartbeat = setInterval(() => touch(path), LOCK_HEARTBEAT_MS);
        this.#heartbeat.unref();
        return;
      }
      const holder = readHolder(path);
      if (holder && this.#alive(holder)) throw refusal(this.#describe(holder), file);
      removeIfSame(path, holder); // stale: its process is gone
    }
    const holder = readHolder(path); // another process took it over in between
    throw refusal(holder ? this.#describe(holder) : 'another process', file);
  }

  release(): void {
    if (!this.#path) return;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    heldHere.delete(this.#path);
    try {
      unlinkSync(this.#path);
    } catch {
      // already gone
    }
    this.#path = null;
  }

  #describe(holder: Holder): string {
    const elsewhere = holder.record !== null && holder.record.host !== this.host;
    return `another process (pid ${holder.pid}${elsewhere ? ` in another PID namespace or on another host, ${holder.record!.host.split('|')[0]}` : ''})`;
  }

  #alive(holder: Holder): boolean {
    // A file of an older version holds a bare pid: the pid check is all there is.
    if (holder.record === null) return holder.pid !== process.pid && isAlive(holder.pid);
    if (holder.record.host === this.host) return holder.pid !== process.pid && isAlive(holder.pid);
    return Date.now() - holder.touchedAt < LOCK_STALE_MS;
  }
}

interface Holder {
  pid: number;
  /** Null for a bare-pid file. */
  record: LockRecord | null;
  touchedAt: number;
  text: string;
}

/** Writes the whole record, then links it into place: a reader never sees a half-written lock. */
function createExclusive(path: string, text: string): boolean {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    unlinkSync(temporary);
  }
}

function readHolder(path: string): Holder | null {
  try {
    const text = readFileSync(path, 'utf8');
    const touchedAt = statSync(path).mtimeMs;
    const record = parseRecord(text);
    if (record) return { pid: record.pid, record, touchedAt, text };
    const pid = Number.parseInt(text, 10);
    return Number.isInteger(pid) ? { pid, record: null, touchedAt, text } : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function parseRecord(text: string): LockRecord | null {
  try {
    const value = JSON.parse(text) as Partial<LockRecord> | null;
    if (value && Number.isInteger(value.pid) && typeof value.token === 'string' && typeof value.host === 'string') return value as LockRecord;
  } catch {
    // a bare pid, or garbage
  }
  return null;
}

/** Removes the stale lock only if it is still the one judged stale (another taker may have replaced it). */
function removeIfSame(path: string, holder: Holder | null): void {
  try {
    if (holder && readFileSync(path, 'utf8') !== holder.text) return;
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function touch(path: string): void {
  try {
    const now = new Date();
    utimesSync(path, now, now);
  } catch {
    // the file went away (removed by hand): release() still clears up
  }
}

/** Where a pid is meaningful: the host, its boot, and (on Linux) this process's PID namespace. */
export function hostIdentity(): string {
  const read = (get: () => string) => {
    try {
      return get().trim();
    } catch {
      return '';
    }
  };
  const bootId = read(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8'));
  const pidNamespace = read(() => readlinkSync('/proc/self/ns/pid'));
  return [os.hostname(), bootId, pidNamespace].join('|');
}

function refusal(who: string, file: string): StateConflictError {
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
