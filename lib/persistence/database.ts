import knexFactory, { type Knex } from 'knex';

/** What the `database` option accepts: a knex instance the host owns, or a config we own. */
export type DatabaseOption = Knex | Knex.Config;

export interface OwnedDatabase {
  knex: Knex;
  /** True when the center created the pool and must destroy it on close(). */
  owned: boolean;
}

export function isKnexInstance(value: unknown): value is Knex {
  return typeof value === 'function' && typeof (value as Knex).transaction === 'function';
}

export function openDatabase(option: DatabaseOption | undefined, sqliteFile: string): OwnedDatabase {
  if (isKnexInstance(option)) return { knex: option, owned: false };
  const config = option ?? { client: 'sqlite3', connection: { filename: sqliteFile } };
  return { knex: knexFactory(withSqliteDefaults(config)), owned: true };
}

export function isSqlite(knex: Knex): boolean {
  const client = String(knex.client.config.client ?? '');
  return client === 'sqlite3' || client === 'better-sqlite3' || client === 'sqlite';
}

export function isPostgres(knex: Knex): boolean {
  const client = String(knex.client.config.client ?? '');
  return client === 'pg' || client === 'postgres' || client === 'postgresql';
}

/**
 * sqlite needs three things knex does not set: NULL defaults, foreign keys switched on, and a
 * busy timeout with WAL so that the console can read while a sync writes.
 */
function withSqliteDefaults(config: Knex.Config): Knex.Config {
  const client = String(config.client ?? '');
  if (client !== 'sqlite3' && client !== 'better-sqlite3') return config;
  const filename = (config.connection as { filename?: string } | undefined)?.filename ?? '';
  const inMemory = filename === ':memory:' || filename === '';
  const hostAfterCreate = config.pool?.afterCreate;
  return {
    useNullAsDefault: true,
    ...config,
    pool: {
      ...config.pool,
      afterCreate(connection: SqliteConnection, done: (error: Error | null, connection: unknown) => void) {
        const pragmas = ['PRAGMA foreign_keys = ON', 'PRAGMA busy_timeout = 5000'];
        if (!inMemory) pragmas.push('PRAGMA journal_mode = WAL', 'PRAGMA synchronous = NORMAL');
        runPragmas(connection, pragmas)
          .then(() => (hostAfterCreate ? hostAfterCreate(connection, done) : done(null, connection)))
          .catch((error: Error) => done(error, connection));
      },
    },
  };
}

interface SqliteConnection {
  run?: (sql: string, callback: (error: Error | null) => void) => void;
  exec?: (sql: string) => void;
}

async function runPragmas(connection: SqliteConnection, pragmas: string[]): Promise<void> {
  for (const pragma of pragmas) {
    if (typeof connection.run === 'function') {
      await new Promise<void>((resolve, reject) => connection.run!(pragma, (error) => (error ? reject(error) : resolve())));
    } else {
      connection.exec!(pragma);
    }
  }
}
