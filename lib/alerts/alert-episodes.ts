import type { Knex } from 'knex';
import { TABLES } from '../persistence/tables.js';
import { isUniqueViolation } from '../persistence/unique-violation.js';

/** A condition that alerts once when it starts and stays quiet until it has ended. */
export type EpisodeKind = 'quarantined' | 'backlog';

/**
 * Open alert episodes, one row per (source, kind) in `sync_alert_episodes`. Opening is an insert
 * on the primary key, so of several instances that see the same condition (every instance checks
 * the backlog on its timer) exactly one opens the episode and sends the alert; closing is a
 * delete, so exactly one instance sees the episode end.
 */
export class AlertEpisodes {
  constructor(
    private readonly knex: Knex,
    private readonly clock: () => Date,
  ) {}

  /** True when this call opened the episode (send the alert); false when it was open already. */
  async open(sourceId: string, kind: EpisodeKind): Promise<boolean> {
    try {
      await this.knex(TABLES.alertEpisodes).insert({ source_id: sourceId, kind, opened_at: this.clock().toISOString() });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /** True when this call closed an open episode. */
  async close(sourceId: string, kind: EpisodeKind): Promise<boolean> {
    return (await this.knex(TABLES.alertEpisodes).where({ source_id: sourceId, kind }).delete()) > 0;
  }
}
