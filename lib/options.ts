import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { validate as validateCron } from 'node-cron';
import type { AdminAccess } from './hooks/admin.js';
import { checkAdmin, checkLinkUrl } from './hooks/check-admin.js';
import type { Alert } from './alerts/alert.js';
import type { Directory } from './hooks/directory.js';
import type { Awaitable } from './hooks/types.js';
import { isKnexInstance, type DatabaseOption } from './persistence/database.js';
import type { MirrorOrgData, MirrorUserData } from './mirror/normalize.js';
import type { ScimBody } from './scim/scim-body.js';
import type { Source } from './sources/source-types.js';

/**
 * The host's mapping function for users (PRODUCT.md §4), run for every user body a push source
 * builds, before the source's mapping table: it gets the canonical user (as the mirror holds it,
 * with the host's extra fields in `attributes`) and the source, and returns the user the table
 * reads — add extra attributes, rename, fill in. What it returns is normalised like a directory
 * user; a throw fails the object with a HostHookError (its cause is the host's error). Keep it
 * pure and quick: it runs for each user of a full push.
 */
export type MapUserHook = (user: MirrorUserData, context: { source: Source }) => Awaitable<MirrorUserData>;

/**
 * The host's mapping function for orgs: gets the SCIM body the source would send for an org
 * (in the source's org shape), the canonical org and the source, and returns the body to send
 * (add or rename attributes; keep `schemas`). Build the keys in a fixed order: the body's JSON
 * is hashed to skip unchanged orgs.
 */
export type MapOrgHook = (body: ScimBody, context: { org: MirrorOrgData; source: Source }) => Awaitable<ScimBody>;

/** Where the center writes what it has to say. `console` fits; pass a silent one in tests. */
export interface Logger {
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}

/** Alerts: every one is also emitted as `'alert'` on `center.events` and logged in one line. Every field is optional. */
export interface AlertOptions {
  /**
   * Called once per alert, after the fact (a throw or a slow answer is logged, never delays
   * delivery). `alert.path` is relative to where the router is mounted; `alert.url` is set when
   * `publicUrl` is. @default none: alerts go to the log and `center.events` only
   */
  notify?: (alert: Alert) => Awaitable<void>;
  /** A push source whose oldest undelivered change is older than this alerts once (`backlog_stale`), until it catches up. @default 3600000 (1 hour) */
  backlogAgeMs?: number;
  /** When the backlogs are checked, as a cron pattern. @default '* * * * *' (every minute) */
  checkSchedule?: string;
}

export interface ResolvedAlertOptions {
  notify: ((alert: Alert) => Awaitable<void>) | undefined;
  backlogAgeMs: number;
  checkSchedule: string;
}

/** Push mode: the SCIM client, delivery workers and full syncs. Every field is optional. */
export interface PushOptions {
  /** The host's user mapping, applied before each source's mapping table; see MapUserHook. @default none */
  mapUser?: MapUserHook;
  /** The host's org mapping, applied to every org body a push source sends; see MapOrgHook. @default none */
  mapOrg?: MapOrgHook;
  /** Requests in flight per source, when the source sets none. @default 4 */
  concurrency?: number;
  /** How long to wait for a downstream's response (headers, then body). @default 30000 */
  requestTimeoutMs?: number;
  /** How long to wait for a connection to the downstream. @default 10000 */
  connectTimeoutMs?: number;
  /** Changes read from the feed per delivery batch. @default 500 */
  batchSize?: number;
  /** Users or orgs per page in a full sync. @default 500 */
  pageSize?: number;
  /** How often a worker looks for changes committed by another instance (this instance's own changes wake it at once). @default 5000 */
  pollIntervalMs?: number;
  /** Lifetime of a delivery or run lease; renewed every third of it, taken over by another instance once expired. @default 30000 */
  leaseTtlMs?: number;
  /** Backoff between retries of a failed delivery: exponential from `baseMs` to `maxMs`, with full jitter. */
  retry?: {
    /** @default 1000 */
    baseMs?: number;
    /** @default 300000 (5 minutes) */
    maxMs?: number;
    /** Attempts per object within a full sync before it is logged as failed. @default 4 */
    runAttempts?: number;
  };
  /** Requests (in the quarantine window) before their failure rate can quarantine a source; 401/403 quarantine at once. @default 10 */
  quarantineAfter?: number;
  /** The share of a source's requests in the window that must fail for it to be quarantined, over 0 and at most 1. @default 0.9 */
  quarantineFailureRate?: number;
  /** The sliding window the failure rate is measured over. @default 600000 (10 minutes) */
  quarantineWindowMs?: number;
  /** The longest wait between retries of a quarantined source. @default 3600000 (1 hour) */
  quarantineMaxIntervalMs?: number;
  /** The longest `Retry-After` honoured; a downstream asking for longer is asked again after this, and the log says so. @default 3600000 (1 hour) */
  maxRetryAfterMs?: number;
  /** While a source is failing (backing off or quarantined), how often it is probed with `GET <User URL>?startIndex=1&count=1`; a 2xx ends the wait at once. @default 15000 */
  probeIntervalMs?: number;
  /** Members per PATCH when memberships are sent to Groups. @default 100 */
  membersPerPatch?: number;
  /** Cron of the sweep that picks up runs left by dead instances and refreshes the workers. @default '* * * * *' */
  sweepSchedule?: string;
  /** Cron of the retention job (old logs, finished runs, passed tombstones). @default '17 2 * * *' */
  retentionSchedule?: string;
}

export interface ResolvedPushOptions {
  mapUser?: MapUserHook;
  mapOrg?: MapOrgHook;
  concurrency: number;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  batchSize: number;
  pageSize: number;
  pollIntervalMs: number;
  leaseTtlMs: number;
  retry: { baseMs: number; maxMs: number; runAttempts: number };
  quarantineAfter: number;
  quarantineFailureRate: number;
  quarantineWindowMs: number;
  quarantineMaxIntervalMs: number;
  maxRetryAfterMs: number;
  probeIntervalMs: number;
  membersPerPatch: number;
  sweepSchedule: string;
  retentionSchedule: string;
}

export interface SyncCenterOptions {
  /** The host's user store: the center pages through it to fill and repair its mirror. */
  directory: Directory;
  /** Who may use the console (admins, and readers with `canView`), where others log in, and the host's links in its header. See AdminAccess. */
  admin: AdminAccess;
  /** A knex instance (the host keeps ownership) or a knex config (the center owns the pool). @default a sqlite file at `sqliteFile` */
  database?: DatabaseOption;
  /** The embedded sqlite database used when `database` is absent; relative to the working directory. @default 'scim-sync-center.sqlite' */
  sqliteFile?: string;
  /** Encrypts stored credentials (AES-256-GCM); 32+ characters, e.g. `openssl rand -base64 32`. Required in production. @default process.env.SYNC_CENTER_KEY */
  secretKey?: string;
  /** The absolute URL the router is reachable at, e.g. `https://idp.example.com/sync-center`. Used for SCIM `meta.location` and the pull URLs shown to admins. @default derived from each request */
  publicUrl?: string;
  /** Links into the host's own pages. */
  links?: {
    /** The host's "upstream sync" page, offered after a source is created. @default hidden */
    upstreamSync?: string;
  };
  /** Allow `http:` push URLs (for loopback tests and demos). @default false: https only */
  allowHttpPush?: boolean;
  /**
   * Let push reach private networks (10/8, 172.16/12, 192.168/16, fc00::/7) and loopback (127/8,
   * ::1): for a downstream on the host's own network, loopback tests and demos. Checked on the
   * URL when it is saved and on every address its name resolves to when push connects.
   * Link-local and cloud metadata (169.254/16, fe80::/10), "this network", CGNAT, multicast and
   * the other special-purpose addresses are refused whatever this says. Separate from
   * `allowHttpPush`. @default false: public addresses only
   */
  allowPrivatePush?: boolean;
  /**
   * Allow LDAP destinations over plain LDAP (no TLS, no StartTLS): bind passwords and every
   * entry then cross the network in clear. For a directory on the same host or a test. The
   * private-address guard does not apply to LDAP: a directory on the intranet is the usual case.
   * @default false: ldaps:// or StartTLS only
   */
  allowPlainLdap?: boolean;
  /** How long deleted users and orgs stay visible to pullers as `active: false`. @default 30 */
  tombstoneRetentionDays?: number;
  /** How long the incremental logs, pull logs and finished runs are kept. @default 30 */
  logRetentionDays?: number;
  /** Time zone for the cron schedules. @default the process's time zone */
  timezone?: string;
  /** Where warnings and errors go. @default console */
  logger?: Logger;
  /** Push mode tuning: concurrency, timeouts, retries, quarantine. See PushOptions. */
  push?: PushOptions;
  /** Alerts (quarantine, resume, held deletions, failed runs, a stale backlog): the host's hook and the thresholds. See AlertOptions. */
  alerts?: AlertOptions;
  /** Requests each pull source may make to the SCIM server per minute (per process), bursts up to the same number. @default { requestsPerMinute: 600 } */
  pullRateLimit?: { requestsPerMinute: number };
  /** The center's clock, for tests and simulations that move time instead of waiting. @default () => new Date() */
  clock?: () => Date;
}

/** The options after validation, with defaults filled in. */
export interface ResolvedOptions {
  directory: Directory;
  admin: AdminAccess;
  database: DatabaseOption | undefined;
  sqliteFile: string;
  secretKey: string;
  publicUrl: string | undefined;
  links: { upstreamSync?: string };
  allowHttpPush: boolean;
  allowPrivatePush: boolean;
  allowPlainLdap: boolean;
  tombstoneRetentionDays: number;
  logRetentionDays: number;
  timezone: string | undefined;
  logger: Logger;
  push: ResolvedPushOptions;
  alerts: ResolvedAlertOptions;
  pullRateLimit: { requestsPerMinute: number };
  clock: () => Date;
}

const KNOWN_OPTIONS = [
  'directory',
  'admin',
  'database',
  'sqliteFile',
  'secretKey',
  'publicUrl',
  'links',
  'allowHttpPush',
  'allowPrivatePush',
  'allowPlainLdap',
  'tombstoneRetentionDays',
  'logRetentionDays',
  'timezone',
  'logger',
  'push',
  'alerts',
  'pullRateLimit',
  'clock',
] as const satisfies ReadonlyArray<keyof SyncCenterOptions>;

const MIN_KEY_LENGTH = 32;

/** Validates once, at the factory, and says how to fix what is wrong. */
export function resolveOptions(options: SyncCenterOptions, env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createSyncCenter(options): options must be an object with at least `directory` and `admin`.');
  }
  rejectUnknownKeys(options, KNOWN_OPTIONS, '');
  const logger = options.logger ?? console;
  return {
    directory: checkDirectory(options.directory),
    admin: checkAdmin(options.admin),
    database: checkDatabase(options.database),
    sqliteFile: path.resolve(optionalString(options.sqliteFile, 'sqliteFile') ?? 'scim-sync-center.sqlite'),
    secretKey: resolveSecretKey(options.secretKey, env, logger),
    publicUrl: checkPublicUrl(options.publicUrl),
    links: checkLinks(options.links),
    allowHttpPush: optionalBoolean(options.allowHttpPush, 'allowHttpPush') ?? false,
    allowPrivatePush: optionalBoolean(options.allowPrivatePush, 'allowPrivatePush') ?? false,
    allowPlainLdap: optionalBoolean(options.allowPlainLdap, 'allowPlainLdap') ?? false,
    tombstoneRetentionDays: positiveNumber(options.tombstoneRetentionDays, 'tombstoneRetentionDays') ?? 30,
    logRetentionDays: positiveNumber(options.logRetentionDays, 'logRetentionDays') ?? 30,
    timezone: checkTimezone(options.timezone),
    logger: checkLogger(logger),
    push: resolvePushOptions(options.push),
    alerts: resolveAlertOptions(options.alerts),
    pullRateLimit: checkPullRateLimit(options.pullRateLimit),
    clock: checkClock(options.clock),
  };
}

const DEFAULT_PULL_REQUESTS_PER_MINUTE = 600;

function resolveAlertOptions(alerts: AlertOptions | undefined): ResolvedAlertOptions {
  const resolved: ResolvedAlertOptions = { notify: undefined, backlogAgeMs: 3_600_000, checkSchedule: '* * * * *' };
  if (alerts === undefined) return resolved;
  if (typeof alerts !== 'object' || alerts === null) throw new TypeError('createSyncCenter: `alerts` must be an object such as { notify: (alert) => … }.');
  rejectUnknownKeys(alerts, ['notify', 'backlogAgeMs', 'checkSchedule'], 'alerts.');
  if (alerts.notify !== undefined) {
    if (typeof alerts.notify !== 'function') throw new TypeError('createSyncCenter: `alerts.notify` must be a function (alert) => void.');
    resolved.notify = alerts.notify;
  }
  if (alerts.backlogAgeMs !== undefined) {
    if (typeof alerts.backlogAgeMs !== 'number' || !Number.isFinite(alerts.backlogAgeMs) || alerts.backlogAgeMs <= 0) {
      throw new TypeError(`createSyncCenter: \`alerts.backlogAgeMs\` must be a positive number of milliseconds, such as 3600000 (1 hour), got ${JSON.stringify(alerts.backlogAgeMs)}.`);
    }
    resolved.backlogAgeMs = alerts.backlogAgeMs;
  }
  if (alerts.checkSchedule !== undefined) {
    if (typeof alerts.checkSchedule !== 'string' || !validateCron(alerts.checkSchedule)) {
      throw new TypeError(`createSyncCenter: \`alerts.checkSchedule\` must be a cron pattern such as "* * * * *", got ${JSON.stringify(alerts.checkSchedule)}.`);
    }
    resolved.checkSchedule = alerts.checkSchedule;
  }
  return resolved;
}

function checkPullRateLimit(value: SyncCenterOptions['pullRateLimit']): ResolvedOptions['pullRateLimit'] {
  if (value === undefined) return { requestsPerMinute: DEFAULT_PULL_REQUESTS_PER_MINUTE };
  const rate = (value as { requestsPerMinute?: unknown } | null)?.requestsPerMinute;
  if (typeof value !== 'object' || value === null || typeof rate !== 'number' || !Number.isFinite(rate) || rate < 1) {
    throw new TypeError('createSyncCenter: `pullRateLimit` must be { requestsPerMinute: n } with n ≥ 1, e.g. { requestsPerMinute: 600 }.');
  }
  rejectUnknownKeys(value, ['requestsPerMinute'], 'pullRateLimit.');
  return { requestsPerMinute: rate };
}

function checkClock(value: unknown): () => Date {
  if (value === undefined) return () => new Date();
  if (typeof value !== 'function') throw new TypeError('createSyncCenter: `clock` must be a function returning a Date, e.g. () => new Date().');
  return value as () => Date;
}

const PUSH_DEFAULTS: ResolvedPushOptions = {
  concurrency: 4,
  requestTimeoutMs: 30_000,
  connectTimeoutMs: 10_000,
  batchSize: 500,
  pageSize: 500,
  pollIntervalMs: 5_000,
  leaseTtlMs: 30_000,
  retry: { baseMs: 1_000, maxMs: 300_000, runAttempts: 4 },
  quarantineAfter: 10,
  quarantineFailureRate: 0.9,
  quarantineWindowMs: 600_000,
  quarantineMaxIntervalMs: 3_600_000,
  maxRetryAfterMs: 3_600_000,
  probeIntervalMs: 15_000,
  membersPerPatch: 100,
  sweepSchedule: '* * * * *',
  retentionSchedule: '17 2 * * *',
};

function resolvePushOptions(push: PushOptions | undefined): ResolvedPushOptions {
  if (push === undefined) return { ...PUSH_DEFAULTS, retry: { ...PUSH_DEFAULTS.retry } };
  if (typeof push !== 'object' || push === null) throw new TypeError('createSyncCenter: `push` must be an object such as { concurrency: 4 }.');
  const numeric = ['concurrency', 'requestTimeoutMs', 'connectTimeoutMs', 'batchSize', 'pageSize', 'pollIntervalMs', 'leaseTtlMs', 'quarantineAfter', 'quarantineWindowMs', 'quarantineMaxIntervalMs', 'maxRetryAfterMs', 'probeIntervalMs', 'membersPerPatch'] as const;
  rejectUnknownKeys(push, [...numeric, 'quarantineFailureRate', 'retry', 'sweepSchedule', 'retentionSchedule', 'mapUser', 'mapOrg'], 'push.');
  const resolved: ResolvedPushOptions = { ...PUSH_DEFAULTS, retry: { ...PUSH_DEFAULTS.retry } };
  for (const key of ['mapUser', 'mapOrg'] as const) {
    if (push[key] === undefined) continue;
    if (typeof push[key] !== 'function') throw new TypeError(`createSyncCenter: \`push.${key}\` must be a function, got ${typeof push[key]}.`);
  }
  if (push.mapUser) resolved.mapUser = push.mapUser;
  if (push.mapOrg) resolved.mapOrg = push.mapOrg;
  for (const key of numeric) {
    const value = positiveInteger(push[key], `push.${key}`);
    if (value !== undefined) resolved[key] = value;
  }
  if (push.quarantineFailureRate !== undefined) {
    const rate = push.quarantineFailureRate;
    if (typeof rate !== 'number' || !(rate > 0 && rate <= 1)) {
      throw new TypeError(`createSyncCenter: \`push.quarantineFailureRate\` must be a share over 0 and at most 1, such as 0.9, got ${JSON.stringify(rate)}.`);
    }
    resolved.quarantineFailureRate = rate;
  }
  if (push.retry !== undefined) {
    if (typeof push.retry !== 'object' || push.retry === null) throw new TypeError('createSyncCenter: `push.retry` must be an object such as { baseMs: 1000, maxMs: 300000 }.');
    rejectUnknownKeys(push.retry, ['baseMs', 'maxMs', 'runAttempts'], 'push.retry.');
    for (const key of ['baseMs', 'maxMs', 'runAttempts'] as const) {
      const value = positiveInteger(push.retry[key], `push.retry.${key}`);
      if (value !== undefined) resolved.retry[key] = value;
    }
    if (resolved.retry.maxMs < resolved.retry.baseMs) {
      throw new TypeError('createSyncCenter: `push.retry.maxMs` must be at least `push.retry.baseMs`.');
    }
  }
  for (const key of ['sweepSchedule', 'retentionSchedule'] as const) {
    const value = optionalString(push[key], `push.${key}`);
    if (value === undefined) continue;
    if (!validateCron(value)) throw new TypeError(`createSyncCenter: \`push.${key}\` must be a cron expression such as "* * * * *", got ${JSON.stringify(value)}.`);
    resolved[key] = value;
  }
  return resolved;
}

function positiveInteger(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new TypeError(`createSyncCenter: \`${name}\` must be a positive whole number, got ${JSON.stringify(value)}.`);
  }
  return value;
}

function checkDirectory(directory: Directory | undefined): Directory {
  if (typeof directory !== 'object' || directory === null) {
    throw new TypeError('createSyncCenter: `directory` is required: an object with listUsers({ cursor, limit }) and listOrgs({ cursor, limit }).');
  }
  for (const method of ['listUsers', 'listOrgs'] as const) {
    if (typeof directory[method] !== 'function') {
      throw new TypeError(`createSyncCenter: \`directory.${method}\` must be a function returning { items, nextCursor }.`);
    }
  }
  for (const method of ['getUser', 'getOrg'] as const) {
    if (directory[method] !== undefined && typeof directory[method] !== 'function') {
      throw new TypeError(`createSyncCenter: \`directory.${method}\` is optional, but when given it must be a function.`);
    }
  }
  return directory;
}

function checkDatabase(database: DatabaseOption | undefined): DatabaseOption | undefined {
  if (database === undefined || isKnexInstance(database)) return database;
  if (typeof database !== 'object' || database === null || !('client' in database) || !database.client) {
    throw new TypeError('createSyncCenter: `database` must be a knex instance or a knex config such as { client: "pg", connection: "postgres://…" }.');
  }
  return database;
}

function resolveSecretKey(given: string | undefined, env: NodeJS.ProcessEnv, logger: Logger): string {
  const key = optionalString(given, 'secretKey') ?? env.SYNC_CENTER_KEY;
  if (key !== undefined && key !== '') {
    if (key.length < MIN_KEY_LENGTH) {
      throw new TypeError(`createSyncCenter: \`secretKey\` must be at least ${MIN_KEY_LENGTH} characters; generate one with \`openssl rand -base64 32\`.`);
    }
    return key;
  }
  if (env.NODE_ENV === 'production') {
    throw new TypeError(
      'createSyncCenter: no secret key in production. Set `secretKey` or SYNC_CENTER_KEY (generate with `openssl rand -base64 32`) so stored credentials can be encrypted and read back after a restart.',
    );
  }
  logger.warn('scim-sync-center: no secretKey or SYNC_CENTER_KEY; using a throw-away key, so stored push credentials will not survive a restart.');
  return randomBytes(32).toString('base64');
}

function checkPublicUrl(value: string | undefined): string | undefined {
  const url = optionalString(value, 'publicUrl');
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`createSyncCenter: \`publicUrl\` must be an absolute URL such as https://idp.example.com/sync-center, got ${JSON.stringify(url)}.`);
  }
  if (parsed.search || parsed.hash) throw new TypeError('createSyncCenter: `publicUrl` must not have a query or fragment.');
  return url.replace(/\/+$/, '');
}

function checkLinks(links: SyncCenterOptions['links']): ResolvedOptions['links'] {
  if (links === undefined) return {};
  if (typeof links !== 'object' || links === null) throw new TypeError('createSyncCenter: `links` must be an object such as { upstreamSync: "/upstream" }.');
  rejectUnknownKeys(links, ['upstreamSync'], 'links.');
  return { upstreamSync: checkLinkUrl(links.upstreamSync, 'links.upstreamSync') };
}

function checkTimezone(value: string | undefined): string | undefined {
  const timezone = optionalString(value, 'timezone');
  if (timezone === undefined) return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw new TypeError(`createSyncCenter: \`timezone\` ${JSON.stringify(timezone)} is not an IANA time zone such as "Asia/Shanghai".`);
  }
  return timezone;
}

function checkLogger(logger: Logger): Logger {
  for (const level of ['info', 'warn', 'error'] as const) {
    if (typeof logger?.[level] !== 'function') throw new TypeError(`createSyncCenter: \`logger.${level}\` must be a function (console works).`);
  }
  return logger;
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new TypeError(`createSyncCenter: \`${name}\` must be a string, got ${typeof value}.`);
  return value;
}

function optionalBoolean(value: unknown, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new TypeError(`createSyncCenter: \`${name}\` must be true or false, got ${JSON.stringify(value)}.`);
  return value;
}

function positiveNumber(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`createSyncCenter: \`${name}\` must be a positive number of days, got ${JSON.stringify(value)}.`);
  }
  return value;
}

/**
 * Throws helmet-style on the first key that is not an option: "unknown option `push.retyr`. Did
 * you mean `push.retry`?". Where only one key is allowed, that key is the suggestion, however far.
 */
function rejectUnknownKeys(given: object, known: readonly string[], prefix: string): void {
  for (const key of Object.keys(given)) {
    if (known.includes(key)) continue;
    const suggestion = known.length === 1 ? known[0] : closest(key, known);
    throw new TypeError(`createSyncCenter: unknown option \`${prefix}${key}\`.${suggestion ? ` Did you mean \`${prefix}${suggestion}\`?` : ''}`);
  }
}

/** The known name nearest to a typo, when it is near enough to be a likely mistake. */
function closest(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(input.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(input.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
