import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { TABLES } from '../persistence/tables.js';

/** A draft lives this long after its last step; an abandoned wizard simply expires. */
const DRAFT_TTL_MS = 2 * 60 * 60 * 1000;

/**
 * The "New downstream sync" wizard's drafts: what one admin has entered so far, kept between the
 * steps so that every step is a GET (Back and reload never resubmit a form). The payload is opaque
 * here: the console seals it (it may hold an entered secret) before it is stored. A draft is
 * found only by its random id together with the admin it belongs to.
 */
export class WizardDrafts {
  constructor(
    private readonly knex: Knex,
    private readonly clock: () => Date,
  ) {}

  /** Stores a new draft and returns its id; drafts that expired are removed on the way. */
  async create(actor: string, payload: string): Promise<string> {
    const id = randomBytes(16).toString('hex');
    await this.knex(TABLES.wizardDrafts).where('expires_at', '<', this.clock().toISOString()).delete();
    await this.knex(TABLES.wizardDrafts).insert({ id, actor, payload, expires_at: this.#expiry() });
    return id;
  }

  /** The draft's payload; undefined when there is none, it expired, or it is another admin's. */
  async get(id: string, actor: string): Promise<string | undefined> {
    const row = await this.knex(TABLES.wizardDrafts).where({ id, actor }).where('expires_at', '>=', this.clock().toISOString()).first('payload');
    return row?.payload as string | undefined;
  }

  /** Replaces the payload and restarts the draft's lifetime; false when the draft is gone. */
  async save(id: string, actor: string, payload: string): Promise<boolean> {
    const updated = await this.knex(TABLES.wizardDrafts).where({ id, actor }).update({ payload, expires_at: this.#expiry() });
    return updated > 0;
  }

  /** Once the source is created, its draft is of no more use. */
  async delete(id: string, actor: string): Promise<void> {
    await this.knex(TABLES.wizardDrafts).where({ id, actor }).delete();
  }

  #expiry(): string {
    return new Date(this.clock().getTime() + DRAFT_TTL_MS).toISOString();
  }
}
