import type { Knex } from 'knex';
import { MIGRATIONS } from '../../migrations/index.js';
import { TABLES } from './tables.js';

/**
 * Migrations ship inside the package, so they come from a static list rather than a folder
 * scan: a bundled or compiled host finds them all the same.
 */
class StaticMigrationSource implements Knex.MigrationSource<string> {
  async getMigrations(): Promise<string[]> {
    return MIGRATIONS.map(([name]) => name);
  }

  getMigrationName(name: string): string {
    return name;
  }

  async getMigration(name: string): Promise<Knex.Migration> {
    const found = MIGRATIONS.find(([candidate]) => candidate === name);
    if (!found) throw new Error(`unknown migration ${name}`);
    return found[1];
  }
}

function migratorConfig(): Knex.MigratorConfig {
  return {
    migrationSource: new StaticMigrationSource(),
    tableName: TABLES.migrations,
  };
}

/** Brings the center's own tables up to date. Safe to call from several instances at once. */
export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest(migratorConfig())) as [number, string[]];
  return applied;
}

/** Rolls every migration back (tests and uninstall). */
export async function migrateDownAll(knex: Knex): Promise<void> {
  await knex.migrate.rollback(migratorConfig(), true);
}
