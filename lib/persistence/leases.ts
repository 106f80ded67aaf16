import type { Knex } from 'knex';
import { TABLES } from './tables.js';
import { isUniqueViolation } from './unique-violation.js';

/**
 * Leases in `sync_leases`: a named claim with a holder and an expiry. Whoever holds an unexpired
 * lease does the work; a holder that dies stops renewing and another instance takes over once it
 * expires. Every step is one conditional statement, so two instances never both win.
 */
export class LeaseStore {
  constructor(
    private readonly knex: Knex,
    private readonly clock: () => Date,
  ) {}

  /** Takes the lease when it is free, expired, or already ours. True when we hold it now. */
  async acquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return (await this.claim(name, holder, ttlMs)) !== null;
  }

  /**
   * Like acquire(), and says how: `tookOver` when the lease was another holder's and had expired
   * (that holder died or stalled mid-work, so what it was sending may have reached the downstream
   * unrecorded). Null when someone else holds it.
   */
  async claim(name: string, holder: string, ttlMs: number): Promise<{ tookOver: boolean } | null> {
    const now = this.clock();
    const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
    if ((await this.knex(TABLES.leases).where({ name, holder }).update({ expires_at: expiresAt })) > 0) return { tookOver: false };
    const taken = await this.knex(TABLES.leases).where({ name }).where('expires_at', '<', now.toISOString()).update({ holder, expires_at: expiresAt });
    if (taken > 0) return { tookOver: true };
    try {
      await this.knex(TABLES.leases).insert({ name, holder, expires_at: expiresAt });
      return { tookOver: false };
    } catch (error) {
      if (isUniqueViolation(error)) return null; // someone else holds it
      throw error;
    }
  }

  /** Extends a lease we hold. False when it was lost (expired and taken over): stop working. */
  async renew(name: string, holder: string, ttlMs: number, db: Knex | Knex.Transaction = this.knex): Promise<boolean> {
    const expiresAt = new Date(this.clock().getTime() + ttlMs).toISOString();
    const renewed = await db(TABLES.leases).where({ name, holder }).update({ expires_at: expiresAt });
    return renewed > 0;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.knex(TABLES.leases).where({ name, holder }).delete();
  }

  /**
   * Claims a one-off slot (a cron firing): the first instance to insert the row wins and the row
   * stays until it expires, so the same slot is never claimed twice.
   */
  async claimSlot(name: string, holder: string, ttlMs: number): Promise<boolean> {
    try {
      await this.knex(TABLES.leases).insert({ name, holder, expires_at: new Date(this.clock().getTime() + ttlMs).toISOString() });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /**
   * The unexpired leases of `holder` and of its parts (`<holder>:delivery`, `<holder>:run`…): what
   * this instance is responsible for right now. The table holds a row per source and recent cron
   * slots, so it is read whole rather than matched with LIKE (a holder may contain `_`).
   */
  async heldBy(holder: string): Promise<Array<{ name: string; expiresAt: string }>> {
    const rows: Array<{ name: string; holder: string; expires_at: string }> = await this.knex(TABLES.leases)
      .where('expires_at', '>=', this.clock().toISOString())
      .orderBy('name')
      .select('name', 'holder', 'expires_at');
    return rows.filter((row) => row.holder === holder || row.holder.startsWith(`${holder}:`)).map((row) => ({ name: row.name, expiresAt: row.expires_at }));
  }

  async purgeExpired(): Promise<number> {
    return this.knex(TABLES.leases).where('expires_at', '<', this.clock().toISOString()).delete();
  }
}

/** Renews a lease every third of its lifetime until stopped; `lost` turns true if renewal fails. */
export class LeaseKeeper {
  #timer: NodeJS.Timeout | null = null;
  #lost = false;

  constructor(
    private readonly leases: LeaseStore,
    private readonly name: string,
    private readonly holder: string,
    private readonly ttlMs: number,
    private readonly onRenew?: () => Promise<void>,
  ) {}

  get lost(): boolean {
    return this.#lost;
  }

  start(): this {
    const tick = async () => {
      try {
        if (!(await this.leases.renew(this.name, this.holder, this.ttlMs))) this.#lost = true;
        await this.onRenew?.();
      } catch {
        // a failed renewal is retried at the next tick; the lease lasts three ticks
      }
    };
    this.#timer = setInterval(() => void tick(), Math.max(10, Math.floor(this.ttlMs / 3)));
    this.#timer.unref();
    return this;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
