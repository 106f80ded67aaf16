import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TABLES } from '../../lib/persistence/tables.js';

type TableKey = keyof typeof TABLES;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The one module (a file, or a folder ending in `/`) that writes each table; everything else
 * calls it. Migrations are exempt: they create the tables.
 */
const OWNERS: Record<TableKey, string> = {
  migrations: 'lib/persistence/migrate.ts',
  migrationsLock: 'lib/persistence/migrate.ts',
  counters: 'lib/mirror/',
  users: 'lib/mirror/',
  userEmails: 'lib/mirror/',
  userPhones: 'lib/mirror/',
  userOrgs: 'lib/mirror/',
  userOrgExits: 'lib/mirror/scope-exits.ts',
  orgs: 'lib/mirror/',
  orgExits: 'lib/mirror/scope-exits.ts',
  changes: 'lib/mirror/',
  sources: 'lib/sources/',
  cursors: 'lib/sources/cursor-store.ts',
  links: 'lib/push/links-store.ts',
  pushMembers: 'lib/push/member-pusher.ts',
  pushState: 'lib/push/deletion-hold.ts',
  pushRetries: 'lib/push/delivery/retry-store.ts',
  heldDeletions: 'lib/push/held-deletions.ts',
  cancelledDeletions: 'lib/push/held-deletions.ts',
  runs: 'lib/runs/run-store.ts',
  runItems: 'lib/runs/run-store.ts',
  deliveryLog: 'lib/runs/incremental-log.ts',
  pullLog: 'lib/runs/incremental-log.ts',
  auditLog: 'lib/audit-log.ts',
  leases: 'lib/persistence/leases.ts',
  oauthTokens: 'lib/scim/pull/oauth-tokens.ts',
  wizardDrafts: 'lib/sources/wizard-drafts.ts',
  sourceHours: 'lib/runs/source-hours.ts',
  alertEpisodes: 'lib/alerts/alert-episodes.ts',
};

/**
 * Files that name a table they do not own, only to read it, where a function on the owner
 * would be pure indirection. Keep this short; a write by a non-owner is never listed here.
 */
const READ_ONLY: Record<string, { tables: TableKey[]; why: string }> = {
  'lib/scim/query/resource-store.ts': { tables: ['orgs', 'users'], why: "the SCIM server's org scope, a recursive query over the org tree (and a source's user filter, which applies to the users table only)" },
  'lib/push/scope/scope-preview.ts': { tables: ['links', 'users', 'orgs'], why: "a scope edit's preview: counts and a few names of who enters (in scope, unlinked) and leaves (linked, out of scope), one query each" },
  'lib/scim/query/source-scope.ts': { tables: ['orgs'], why: "a push source's org scope (subtrees, with or without their ancestors), a recursive query over the org tree" },
  'lib/scim/resources/users.ts': { tables: ['users', 'orgs', 'userOrgExits'], why: 'the SCIM server compiles filters to SQL over the mirror (department, org path, when a user left the scope)' },
  'lib/scim/resources/organizations.ts': { tables: ['orgs', 'orgExits'], why: "the SCIM server compiles filters to SQL over the mirror (and a scoped source's scope exits)" },
  'lib/scim/resources/groups.ts': { tables: ['users', 'userOrgs'], why: 'SCIM Group members, read in the filtered query' },
  'lib/scim/resources/resource-targets.ts': {
    tables: ['users', 'userEmails', 'userPhones', 'userOrgs', 'orgs', 'userOrgExits', 'orgExits'],
    why: "SCIM attribute paths mapped to the mirror columns and tables they filter on (and a scoped source's scope exits)",
  },
  'lib/runs/log-search.ts': { tables: ['users'], why: "the console's log search finds a user's entries by userName through the mirror's folded-userName index: one subquery" },
  'lib/status/status-queries.ts': {
    tables: ['runs', 'links', 'pushRetries', 'cursors', 'changes'],
    why: 'the status pages: one grouped count per table for all the sources shown, instead of a call per source on each owner',
  },
  'lib/scim/pull/oauth-tokens.ts': { tables: ['sources'], why: "an access token is only good while its source is an enabled pull source: one join on the request path" },
};


const KEY_OF_NAME = new Map(Object.entries(TABLES).map(([key, name]) => [name as string, key as TableKey]));

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(relative);
    return entry.name.endsWith('.ts') ? [relative] : [];
  });
}

/** Block comments, whole-line comments and trailing ` // …` comments: prose may mention any table. */
function withoutComments(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '')
    .replace(/\s\/\/\s.*$/gm, '');
}

/** The tables a file names, through `TABLES.x` or a literal `sync_x`. */
function tablesNamedIn(source: string): Set<TableKey> {
  const code = withoutComments(source);
  const named = new Set<TableKey>();
  for (const [, key] of code.matchAll(/\bTABLES\.(\w+)/g)) named.add(key as TableKey);
  for (const [name] of code.matchAll(/\bsync_[a-z_]+\b/g)) {
    const key = KEY_OF_NAME.get(name);
    if (key) named.add(key);
  }
  return named;
}

function owns(file: string, key: TableKey): boolean {
  const owner = OWNERS[key];
  return owner.endsWith('/') ? file.startsWith(owner) : file === owner;
}

const files = sourceFiles('lib').filter((file) => file !== 'lib/persistence/tables.ts');
const named = new Map(files.map((file) => [file, tablesNamedIn(readFileSync(path.join(ROOT, file), 'utf8'))]));

describe('table ownership', () => {
  it('gives every table an owner', () => {
    for (const key of Object.keys(TABLES)) expect(OWNERS, `TABLES.${key} needs an owner`).toHaveProperty(key);
  });

  it('lets no module but its owner name a table, apart from the listed read-only exceptions', () => {
    const strays: string[] = [];
    for (const [file, tables] of named) {
      for (const key of tables) {
        if (!(key in OWNERS)) strays.push(`${file}: TABLES.${key} is not a table`);
        else if (!owns(file, key) && !READ_ONLY[file]?.tables.includes(key)) {
          strays.push(`${file} names ${TABLES[key]}, owned by ${OWNERS[key]}`);
        }
      }
    }
    expect(strays).toEqual([]);
  });

  it('lists only exceptions that are still needed', () => {
    const stale: string[] = [];
    const exceptions = [...Object.entries(READ_ONLY).map(([file, { tables }]) => [file, tables] as const)];
    for (const [file, tables] of exceptions) {
      for (const key of tables) if (!named.get(file)?.has(key)) stale.push(`${file}: ${TABLES[key]}`);
    }
    expect(stale).toEqual([]);
  });

  it('finds the tables a file names in code, not in its comments', () => {
    const source = "// sync_links in a comment\nconst a = knex(TABLES.runs); /* TABLES.links */\nconst b = `sync_orgs ${alias}`;";
    expect([...tablesNamedIn(source)].sort()).toEqual(['orgs', 'runs']);
  });
});
