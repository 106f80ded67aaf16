import type { Knex } from 'knex';
import type { Logger } from '../options.js';
import { isPostgres } from '../persistence/database.js';
import type { PullClient } from './pull/pull-client.js';
import type { PullService } from './pull/pull-service.js';
import { CursorCodec } from './query/page-cursor.js';
import type { QueryContext } from './query/resource-store.js';
import { compileFilter, parseFilter } from './filter/filter-sql.js';
import { targetsFor } from './resources/resource-kind.js';
import { USERS } from './resources/users.js';

/** Builds what one request's queries need: the database, the source's scope, the tombstone cutoff. */
export type ScimQueryFactory = (client: PullClient) => QueryContext;

/** Everything the SCIM server and the OAuth token endpoint use; nothing else of the center. */
export interface ScimServerDeps {
  /** Authentication, OAuth tokens, rate limits, the pull log and the clock. */
  readonly pull: PullService;
  readonly queries: ScimQueryFactory;
  /** Signs and checks RFC 9865 page cursors (key derived from the center's secret). */
  readonly cursors: CursorCodec;
  /** `meta.location` base when the host set one; otherwise each request's origin and mount. */
  readonly publicUrl: string | undefined;
  readonly logger: Logger;
}

/** The token endpoint needs only the pull service and a logger. */
export type OAuthTokenDeps = Pick<ScimServerDeps, 'pull' | 'logger'>;

export function createScimServerDeps(input: { knex: Knex; pull: PullService; publicUrl: string | undefined; logger: Logger; secretKey: string }): ScimServerDeps {
  const { knex, pull } = input;
  const dialect = isPostgres(knex) ? 'pg' : 'sqlite';
  return {
    pull,
    publicUrl: input.publicUrl,
    logger: input.logger,
    cursors: new CursorCodec(input.secretKey, pull.clock),
    queries: (client) => {
      const context: QueryContext = { knex, dialect, scopeOrgIds: client.scopeOrgIds, tombstoneCutoff: pull.tombstoneCutoff() };
      // Validated when saved; compiled with the source's scope, so out-of-scope references read as absent.
      if (client.userFilter) context.userWhere = compileFilter(parseFilter(client.userFilter), USERS.type, targetsFor(USERS, context), dialect);
      return context;
    },
  };
}
