import { contentHash } from '../mirror/normalize.js';
import type { Knex } from 'knex';
import type { ResolvedPushOptions } from '../options.js';
import { pushPolicyOf, settingsOf } from '../sources/push-settings.js';
import type { SourcesService } from '../sources/sources-service.js';
import type { PushSecretsInput, PushSettings, Source } from '../sources/source-types.js';
import { groupMemberRemoteIds } from './member-pusher.js';
import type { LinkStore } from './links-store.js';
import type { PushTarget, ScimTarget } from './object-pusher.js';
import type { ObjectKind } from '../mirror/mirror-rows.js';
import type { MirrorReader } from '../mirror/mirror-reader.js';
import { engineMessage } from '../i18n/engine-message.js';
import type { Connector } from './connector.js';
import { ConnectorWriter } from './connector-writer.js';
import { StopSyncError } from './client/errors.js';
import { scimWriter } from './scim-writer.js';
import { RemoteClaims } from './remote-claims.js';
import { bodyMappingOf, MapperCache } from './body-mapping.js';
import { RemoteMatcher } from './remote-match.js';
import { AdaptiveRateLimiter, Semaphore } from './client/rate-limit.js';
import { ScimClient } from './client/scim-client.js';

interface ScimEntry {
  kind: 'scim';
  key: string;
  client: ScimClient;
  limiter: AdaptiveRateLimiter;
  semaphore: Semaphore;
  /** Lives with the client: what it learns of the downstream's filters holds until the settings change. */
  matcher: RemoteMatcher;
}

interface ConnectorEntry {
  kind: 'connector';
  key: string;
  connector: Connector;
  semaphore: Semaphore;
}

type Entry = ScimEntry | ConnectorEntry;

/**
 * Builds the connector of a source whose protocol is not SCIM (LDAP/AD), from its settings and
 * secrets: injected by the center, since the connectors live outside lib/push. `dryRun`: a
 * connector that records what it would write and sends no write.
 */
export type ConnectorFactory = (source: { protocol: string; settings: PushSettings; secrets: PushSecretsInput }, options: { dryRun: boolean }) => Connector;

/**
 * One SCIM client (one keep-alive pool, one rate limiter), or one connector (its own pool), and
 * one in-flight bound per source, shared by its delivery worker and its runs; rebuilt when the
 * source's settings or secrets change. A dry run of a connector source gets a recording
 * connector of its own, closed when the run releases its writer.
 */
export class TargetFactory {
  readonly #entries = new Map<string, Entry>();
  /** Each source's mapping table, compiled once per table (not per run or batch). */
  readonly #mappers = new MapperCache();

  constructor(
    private readonly knex: Knex,
    private readonly links: LinkStore,
    private readonly mirror: MirrorReader,
    private readonly sources: SourcesService,
    private readonly options: ResolvedPushOptions,
    private readonly allowHttp: boolean,
    private readonly allowPrivate: boolean,
    /** Aborted when the center closes: ends every rate-limit wait of every source at once. */
    private readonly closing?: AbortSignal,
    private readonly connectors?: ConnectorFactory,
  ) {}

  async target(source: Source, dryRun = false): Promise<{ target: PushTarget; semaphore: Semaphore }> {
    const settings = settingsOf(source);
    const secrets = await this.sources.pushSecrets(source.id);
    const entry = await this.#entry(source, settings, secrets);
    const claims = new RemoteClaims(this.links, source.id);
    const common = {
      sourceId: source.id,
      policy: pushPolicyOf(settings),
      dryRun,
      claimRemote: (kind: ObjectKind, remoteId: string, localId: string) => claims.claim(kind, remoteId, localId),
    };
    let target: PushTarget;
    if (entry.kind === 'scim') {
      const scim = {
        ...common,
        client: entry.client,
        userEndpoint: settings.userUrl,
        orgEndpoint: settings.orgUrl || undefined,
        orgShape: settings.orgResource,
        groupMembers: (orgId: string) => groupMemberRemoteIds(this.knex, this.links, source.id, orgId),
        heldByOthers: (kind: ObjectKind, remoteIds: readonly string[], localId: string) => claims.heldByOthers(kind, remoteIds, localId),
        matcher: entry.matcher,
      } as ScimTarget;
      scim.writer = scimWriter(scim);
      target = scim;
    } else {
      // Orgs in the `organization` shape: the parent's remote id is in the body, so a move changes its hash.
      target = { ...common, orgShape: 'organization' } as PushTarget;
      const connector = dryRun ? lazily(() => this.connectors!({ protocol: source.protocol, settings, secrets }, { dryRun: true })) : { get: () => entry.connector, close: async () => undefined };
      target.writer = new ConnectorWriter(connector, target, { knex: this.knex, links: this.links, mirror: this.mirror });
    }
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
    if (entry) await closeEntry(entry);
  }

  async closeAll(): Promise<void> {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(entries.map(closeEntry));
  }

  /** The host's egress rules and timeouts are the same for every client; only the pool size and the limiter vary. */
  #client(settings: PushSettings, secrets: PushSecretsInput, connections: number, limiter?: AdaptiveRateLimiter): ScimClient {
    const { requestTimeoutMs, connectTimeoutMs, maxRetryAfterMs } = this.options;
    return new ScimClient({ settings, secrets, allowHttp: this.allowHttp, allowPrivate: this.allowPrivate, requestTimeoutMs, connectTimeoutMs, connections, maxRetryAfterMs, closing: this.closing, ...(limiter && { limiter }) });
  }

  async #entry(source: Source, settings: PushSettings, secrets: PushSecretsInput): Promise<Entry> {
    const key = contentHash({ protocol: source.protocol, settings, secrets });
    const existing = this.#entries.get(source.id);
    if (existing?.key === key) return existing;
    if (existing) await closeEntry(existing);
    const policy = pushPolicyOf(settings);
    const concurrency = policy.concurrency ?? this.options.concurrency;
    let entry: Entry;
    if (source.protocol !== 'scim') {
      if (!this.connectors) throw new StopSyncError('config', engineMessage('engine.push.protocolUnavailable', { protocol: source.protocol }));
      entry = { kind: 'connector', key, connector: this.connectors({ protocol: source.protocol, settings, secrets }, { dryRun: false }), semaphore: new Semaphore(concurrency) };
    } else {
      const limiter = new AdaptiveRateLimiter({ ratePerSecond: policy.rateLimit, maxPauseMs: this.options.maxRetryAfterMs, signal: this.closing });
      const client = this.#client(settings, secrets, concurrency, limiter);
      entry = { kind: 'scim', key, client, limiter, semaphore: new Semaphore(concurrency), matcher: new RemoteMatcher() };
    }
    this.#entries.set(source.id, entry);
    return entry;
  }
}

async function closeEntry(entry: Entry): Promise<void> {
  if (entry.kind === 'connector') return entry.connector.close();
  entry.limiter.close();
  await entry.client.close();
}

/** A connector made on first use (a dry run that never writes opens no connection), closed with the writer. */
function lazily(make: () => Connector): { get(): Connector; close(): Promise<void> } {
  let made: Connector | null = null;
  return {
    get: () => (made ??= make()),
    close: async () => {
      await made?.close();
      made = null;
    },
  };
}
