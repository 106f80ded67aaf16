import { contentHash } from '../mirror/normalize.js';
import type { Knex } from 'knex';
import type { ResolvedPushOptions } from '../options.js';
import { pushPolicyOf, settingsOf } from '../sources/push-settings.js';
import type { SourcesService } from '../sources/sources-service.js';
import type { PushSecretsInput, PushSettings, Source } from '../sources/source-types.js';
import { groupMemberRemoteIds } from './member-pusher.js';
import type { LinkStore } from './links-store.js';
import type { PushTarget } from './object-pusher.js';
import { RemoteClaims } from './remote-claims.js';
import { bodyMappingOf, MapperCache } from './body-mapping.js';
import { RemoteMatcher } from './remote-match.js';
import { AdaptiveRateLimiter, Semaphore } from './client/rate-limit.js';
import { ScimClient } from './client/scim-client.js';

interface Entry {
  key: string;
  client: ScimClient;
  limiter: AdaptiveRateLimiter;
  semaphore: Semaphore;
  /** Lives with the client: what it learns of the downstream's filters holds until the settings change. */
  matcher: RemoteMatcher;
}

/**
 * One SCIM client (one keep-alive pool, one rate limiter) and one in-flight bound per source,
 * shared by its delivery worker and its runs; rebuilt when the source's settings or secrets change.
 */
export class TargetFactory {
  readonly #entries = new Map<string, Entry>();
  /** Each source's mapping table, compiled once per table (not per run or batch). */
  readonly #mappers = new MapperCache();

  constructor(
    private readonly knex: Knex,
    private readonly links: LinkStore,
    private readonly sources: SourcesService,
    private readonly options: ResolvedPushOptions,
    private readonly allowHttp: boolean,
    private readonly allowPrivate: boolean,
    /** Aborted when the center closes: ends every rate-limit wait of every source at once. */
    private readonly closing?: AbortSignal,
  ) {}

  async target(source: Source, dryRun = false): Promise<{ target: PushTarget; semaphore: Semaphore }> {
    const settings = settingsOf(source);
    const secrets = await this.sources.pushSecrets(source.id);
    const entry = await this.#entry(source.id, settings, secrets);
    const policy = pushPolicyOf(settings);
    const claims = new RemoteClaims(this.links, source.id);
    const target: PushTarget = {
      sourceId: source.id,
      client: entry.client,
      userEndpoint: settings.userUrl,
      orgEndpoint: settings.orgUrl || undefined,
      orgShape: settings.orgResource,
      policy,
      dryRun,
      groupMembers: (orgId) => groupMemberRemoteIds(this.knex, this.links, source.id, orgId),
      claimRemote: (kind, remoteId, localId) => claims.claim(kind, remoteId, localId),
      heldByOthers: (kind, remoteIds, localId) => claims.heldByOthers(kind, remoteIds, localId),
      matcher: entry.matcher,
    };
    const mapper = this.#mappers.mapperFor(source);
    // No table and no host hook: no mapping at all, bodies are built exactly as they always were.
    if (mapper || this.options.mapUser || this.options.mapOrg) target.mapping = bodyMappingOf(source, mapper, this.options);
    return { target, semaphore: entry.semaphore };
  }

  /** A client for settings that are not saved (test connection); the caller closes it. */
  standalone(settings: PushSettings, secrets: PushSecretsInput): ScimClient {
    return this.#client(settings, secrets, 2);
  }

  async drop(sourceId: string): Promise<void> {
    const entry = this.#entries.get(sourceId);
    this.#entries.delete(sourceId);
    this.#mappers.drop(sourceId);
    entry?.limiter.close();
    await entry?.client.close();
  }

  async closeAll(): Promise<void> {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    for (const entry of entries) entry.limiter.close();
    await Promise.all(entries.map((entry) => entry.client.close()));
  }

  /** The host's egress rules and timeouts are the same for every client; only the pool size and the limiter vary. */
  #client(settings: PushSettings, secrets: PushSecretsInput, connections: number, limiter?: AdaptiveRateLimiter): ScimClient {
    const { requestTimeoutMs, connectTimeoutMs, maxRetryAfterMs } = this.options;
    return new ScimClient({ settings, secrets, allowHttp: this.allowHttp, allowPrivate: this.allowPrivate, requestTimeoutMs, connectTimeoutMs, connections, maxRetryAfterMs, closing: this.closing, ...(limiter && { limiter }) });
  }

  async #entry(sourceId: string, settings: PushSettings, secrets: PushSecretsInput): Promise<Entry> {
    const key = contentHash({ settings, secrets });
    const existing = this.#entries.get(sourceId);
    if (existing?.key === key) return existing;
    if (existing) {
      existing.limiter.close();
      await existing.client.close();
    }
    const policy = pushPolicyOf(settings);
    const concurrency = policy.concurrency ?? this.options.concurrency;
    const limiter = new AdaptiveRateLimiter({ ratePerSecond: policy.rateLimit, maxPauseMs: this.options.maxRetryAfterMs, signal: this.closing });
    const client = this.#client(settings, secrets, concurrency, limiter);
    const entry = { key, client, limiter, semaphore: new Semaphore(concurrency), matcher: new RemoteMatcher() };
    this.#entries.set(sourceId, entry);
    return entry;
  }
}
