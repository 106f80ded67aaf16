import type { Knex } from 'knex';
import type { ResolvedOptions } from '../../options.js';
import type { SyncEvents } from '../../events.js';
import type { IncrementalLog } from '../../runs/incremental-log.js';
import type { SourcesService } from '../../sources/sources-service.js';
import type { Source } from '../../sources/source-types.js';
import { AuthCache } from './auth-cache.js';
import { OAuthTokens } from './oauth-tokens.js';
import type { PullClient } from './pull-client.js';
import { PullLogWriter } from './pull-log-writer.js';
import { RateLimiter } from './rate-limiter.js';

const DAY_MS = 86_400_000;
/** How long another instance's revocation may take to reach this one. */
const AUTH_CACHE_MS = 2_000;

export interface PullPurgeReport {
  logEntries: number;
  accessTokens: number;
}

/** The pull side of one center: authentication, rate limits, the request log and its retention. */
export class PullService {
  readonly oauth: OAuthTokens;
  readonly limiter: RateLimiter;
  readonly log: PullLogWriter;
  readonly clock: () => Date;
  readonly #authCache: AuthCache;

  constructor(
    private readonly deps: { knex: Knex; options: ResolvedOptions; sources: SourcesService; incrementalLog: IncrementalLog; events: SyncEvents },
  ) {
    this.clock = deps.options.clock;
    this.#authCache = new AuthCache(AUTH_CACHE_MS, () => this.clock().getTime());
    deps.events.on('source', () => this.#authCache.clear());
    this.oauth = new OAuthTokens(deps.knex, this.clock);
    this.limiter = new RateLimiter(deps.options.pullRateLimit.requestsPerMinute, this.clock);
    this.log = new PullLogWriter(deps.incrementalLog, deps.options.logger);
  }

  /** A Bearer token: an OAuth access token, or the source's long-lived token. */
  async authenticate(token: string): Promise<PullClient | undefined> {
    const cached = this.#authCache.get(token);
    if (cached) return cached;
    const client = await this.#lookUp(token);
    if (client) this.#authCache.set(token, client, client.expiresAt ? Date.parse(client.expiresAt) : undefined);
    return client;
  }

  async #lookUp(token: string): Promise<PullClient | undefined> {
    const viaOAuth = await this.oauth.authenticate(token);
    if (viaOAuth) return viaOAuth;
    const source = await this.deps.sources.authenticatePullToken(token);
    if (!source?.pull) return undefined;
    return { sourceId: source.id, clientId: null, scopeOrgIds: source.pull.scopeOrgIds ?? [], userFilter: source.pull.userFilter ?? null };
  }

  /** A pull source's OAuth client credentials (the token endpoint's client authentication). */
  authenticateClient(clientId: string, clientSecret: string): Promise<Source | undefined> {
    return this.deps.sources.authenticatePullClient(clientId, clientSecret);
  }

  /** The instant before which tombstones are no longer shown. */
  tombstoneCutoff(): string {
    return new Date(this.clock().getTime() - this.deps.options.tombstoneRetentionDays * DAY_MS).toISOString();
  }

  /**
   * Retention, for the scheduler to call (daily is plenty): pull log rows older than
   * `logRetentionDays` and expired access tokens are deleted.
   */
  async purge(): Promise<PullPurgeReport> {
    await this.log.flush();
    const cutoff = new Date(this.clock().getTime() - this.deps.options.logRetentionDays * DAY_MS).toISOString();
    const logEntries = await this.deps.incrementalLog.purgePullsBefore(cutoff);
    const accessTokens = await this.oauth.purgeExpired();
    return { logEntries, accessTokens };
  }
}
