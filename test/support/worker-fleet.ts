import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PushOptions } from '../../lib/options.js';

/** Push options for takeover tests: short leases and polls, so a takeover happens within a couple of seconds. */
export const TAKEOVER_PUSH: PushOptions = {
  leaseTtlMs: 2_000,
  pollIntervalMs: 50,
  retry: { baseMs: 10, maxMs: 200, runAttempts: 3 },
  requestTimeoutMs: 10_000,
  connectTimeoutMs: 2_000,
  quarantineAfter: 1_000,
  quarantineMaxIntervalMs: 200,
};

const WORKER_SCRIPT = fileURLToPath(new URL('./worker-process.ts', import.meta.url));

export interface FleetOptions {
  pgUrl: string;
  schema: string;
  push: PushOptions;
  /** How long a process may take to start its center. @default 30 s */
  readyTimeoutMs?: number;
}

/**
 * Host instances as child processes (`node --import tsx test/support/worker-process.ts`), all on
 * one PostgreSQL schema. `kill()` is a real SIGKILL; `stop()` a SIGTERM the instance answers
 * with a clean close().
 */
export class WorkerFleet {
  readonly #children = new Map<number, ChildProcess>();
  readonly #exits = new Map<number, Promise<number | null>>();

  constructor(private readonly options: FleetOptions) {}

  /** Pids of the instances still running. */
  get pids(): number[] {
    return [...this.#children.keys()];
  }

  has(pid: number): boolean {
    return this.#children.has(pid);
  }

  /** Starts one instance and resolves with its pid once its center has started. */
  async spawn(): Promise<number> {
    const child = fork(WORKER_SCRIPT, [], {
      execArgv: ['--import', 'tsx'],
      env: {
        ...process.env,
        SYNC_WORKER_PG_URL: this.options.pgUrl,
        SYNC_WORKER_SCHEMA: this.options.schema,
        SYNC_WORKER_PUSH: JSON.stringify(this.options.push),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const pid = child.pid!;
    this.#children.set(pid, child);
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    this.#exits.set(pid, exit);
    void exit.then(() => this.#children.delete(pid));
    const timeoutMs = this.options.readyTimeoutMs ?? 30_000;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`instance ${pid} did not start within ${timeoutMs} ms`)), timeoutMs);
      child.once('message', (message: { type?: string }) => {
        if (message?.type !== 'ready') return;
        clearTimeout(timer);
        resolve();
      });
      void exit.then((code) => {
        clearTimeout(timer);
        reject(new Error(`instance ${pid} exited with ${code} before it started`));
      });
    });
    return pid;
  }

  /** The crash: SIGKILL, no clean-up of any kind. Resolves once the process is gone. */
  async kill(pid: number): Promise<void> {
    const child = this.#children.get(pid);
    if (!child) throw new Error(`no running instance ${pid}`);
    child.kill('SIGKILL');
    await this.#exits.get(pid);
  }

  /** A clean stop (SIGTERM → center.close()); resolves with the exit code. */
  async stop(pid: number): Promise<number | null> {
    const child = this.#children.get(pid);
    if (!child) throw new Error(`no running instance ${pid}`);
    child.kill('SIGTERM');
    return this.#exits.get(pid)!;
  }

  /** Stops every instance that still runs (SIGKILL after `graceMs`). */
  async close(graceMs = 10_000): Promise<void> {
    await Promise.all(
      this.pids.map(async (pid) => {
        const child = this.#children.get(pid);
        if (!child) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await this.#exits.get(pid);
        clearTimeout(timer);
      }),
    );
  }
}

/** The pid inside a lease holder (`host:pid:random[:delivery|:run:<id>]`). */
export function pidOfHolder(holder: string): number {
  return Number(holder.split(':')[1]);
}
