import type { Knex } from 'knex';
import type { LeaseStore } from './persistence/leases.js';

/** `center.health()`: what a readiness probe needs to know about one instance. */
export interface HealthReport {
  /** True when the database answers and the center has been started (and not closed). */
  ok: boolean;
  /** The center's lifecycle state. */
  state: 'created' | 'started' | 'closed';
  database: { ok: true; latencyMs: number } | { ok: false; error: string };
  /** The push sources this instance runs a delivery worker for. */
  deliveryWorkers: string[];
  /** The leases this instance holds (`push:<source id>` while it delivers, cron slots). */
  leases: Array<{ name: string; expiresAt: string }>;
}

export interface HealthDeps {
  knex: Knex;
  leases: LeaseStore;
  holder: string;
  state: () => HealthReport['state'];
  deliveryWorkers: () => string[];
}

/**
 * One cheap query decides readiness: a probe that hangs on a dead pool must not hang forever, so
 * the database check gives up after `timeoutMs`. The error text is the driver's message only,
 * never a connection string.
 */
export async function checkHealth(deps: HealthDeps, timeoutMs = 2_000): Promise<HealthReport> {
  const state = deps.state();
  const database = await pingDatabase(deps.knex, timeoutMs);
  const leases = database.ok && state !== 'closed' ? await deps.leases.heldBy(deps.holder) : [];
  return { ok: database.ok && state === 'started', state, database, deliveryWorkers: deps.deliveryWorkers(), leases };
}

async function pingDatabase(knex: Knex, timeoutMs: number): Promise<HealthReport['database']> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    await Promise.race([knex.raw('select 1'), timeout]);
    return { ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
