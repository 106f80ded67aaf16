import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { AuditLog } from '../audit-log.js';
import { NotFoundError, SecretBoxError, StateConflictError, ValidationError, type FieldIssue } from '../errors.js';
import type { SourceAction, SyncEvents } from '../events.js';
import { TABLES } from '../persistence/tables.js';
import type { SecretBox } from '../util/secret-box.js';
import type { CursorStore } from './cursor-store.js';
import { generateToken, hashToken, tokenMatchesHash } from '../util/tokens.js';
import { findSourceRow, openSecrets, secretContext, toSource, type SourceRow } from './source-store.js';
import type {
  ActorOption,
  AttributeMapping,
  CreateSourceInput,
  PullCredentials,
  PullSettings,
  PushSecretsInput,
  PushSettings,
  PushSettingsInput,
  Source,
  SourceProtocol,
  UpdateSourceInput,
} from './source-types.js';
import { rejectModeChange, validateBasics, validateMode, validatePull, validatePush, type PushUrlPolicy } from './source-validation.js';
import { validateLdapPush, type CheckLdapSettings } from './ldap-push-validation.js';
import { assertOrgsKnown, deliveryKeysChanged, type CheckUserFilter } from './scope-validation.js';

export interface SourcesDeps {
  knex: Knex;
  box: SecretBox;
  audit: AuditLog;
  events: SyncEvents;
  cursors: CursorStore;
  allowHttpPush: boolean;
  allowPrivatePush: boolean;
  clock: () => Date;
  /**
   * Checks a push source's `userMappings` (lib/mappings, injected by the center since sources may
   * not import it): the table normalised (null for the defaults) and the field issues,
   * `push.userMappings.<row>.target|expression`. Without it a table is refused.
   */
  checkUserMappings?(rows: unknown): { mappings: AttributeMapping[] | null; issues: FieldIssue[] };
  /** Checks a source's user filter as the SCIM server compiles it (see CheckUserFilter). */
  checkUserFilter?: CheckUserFilter;
  /** Validates an LDAP destination's settings (the LDAP connector's, injected); without it LDAP sources are refused. */
  checkLdapSettings?: CheckLdapSettings;
}

const DEFAULT_ACTOR = 'api';

/**
 * Downstream sources: the programmatic API behind the console, usable by hosts for
 * configuration as code. Every change is audited with its actor; no method returns a stored secret.
 */
export class SourcesService {
  readonly #deps: SourcesDeps;
  readonly #clock: () => Date;

  constructor(deps: SourcesDeps) {
    this.#deps = deps;
    this.#clock = deps.clock;
  }

  async list(): Promise<Source[]> {
    const rows: SourceRow[] = await this.#deps.knex(TABLES.sources).orderBy('created_at').orderBy('id');
    return rows.map((row) => this.#present(row));
  }

  /** The source, or undefined when there is none with that id. */
  async find(id: string): Promise<Source | undefined> {
    const row = await findSourceRow(this.#deps.knex, id);
    return row ? this.#present(row) : undefined;
  }

  async get(id: string): Promise<Source> {
    return this.#present(await this.#requireRow(this.#deps.knex, id));
  }

  /** Creates a disabled source. A pull source's credentials come back here, and only here. */
  async create(input: CreateSourceInput, options: ActorOption = {}): Promise<{ source: Source; credentials: PullCredentials | null }> {
    if (typeof input !== 'object' || input === null) throw ValidationError.single('source', 'type', 'input must be an object');
    const { mode, protocol } = validateMode(input);
    const basics = validateBasics(input, false) as { name: string; description: string };
    const id = randomUUID();
    const now = this.#now();
    let settings: PushSettings | PullSettings;
    let secrets: PushSecretsInput = {};
    let credentials: PullCredentials | null = null;
    if (mode === 'push') {
      if (input.pull !== undefined) throw ValidationError.single('pull', 'wrong_mode', 'a push source has no pull settings');
      ({ settings, secrets } = this.#validatePush(protocol, input.push ?? {}, null, {}));
      this.#withUserMappings(settings as PushSettings, input.push, null);
    } else {
      if (input.push !== undefined) throw ValidationError.single('push', 'wrong_mode', 'a pull source has no push settings');
      settings = validatePull(input.pull, null, this.#deps.checkUserFilter);
      credentials = newPullCredentials();
    }
    await this.#deps.knex.transaction(async (trx) => {
      await this.#assertNameFree(trx, basics.name, null);
      if (mode === 'push') await assertOrgsKnown(trx, (settings as PushSettings).scope?.orgIds ?? [], []);
      await trx(TABLES.sources).insert({
        id,
        name: basics.name,
        description: basics.description,
        protocol,
        mode,
        enabled: false,
        settings: JSON.stringify(settings),
        secrets: mode === 'push' ? this.#deps.box.sealJson(secrets, secretContext(id)) : null,
        pull_client_id: credentials?.clientId ?? null,
        pull_client_secret_hash: credentials ? hashToken(credentials.clientSecret) : null,
        pull_token_hash: credentials ? hashToken(credentials.token) : null,
        credentials_rotated_at: credentials ? now : null,
        created_at: now,
        updated_at: now,
      });
      // A new source starts at the present: the first manual sync brings it up to date.
      await this.#deps.cursors.start(id, trx);
      await this.#deps.audit.record({ actor: actorOf(options), action: 'source.create', sourceId: id, detail: { name: basics.name, mode } }, trx);
    });
    this.#emit(id, 'created');
    return { source: await this.get(id), credentials };
  }

  /** Changes name, description and parameters. Blank secrets keep the stored ones. */
  async update(id: string, input: UpdateSourceInput, options: ActorOption = {}): Promise<Source> {
    if (typeof input !== 'object' || input === null) throw ValidationError.single('source', 'type', 'input must be an object');
    let scopeChange: { before: unknown; after: unknown } | undefined;
    await this.#deps.knex.transaction(async (trx) => {
      const row = await this.#requireRow(trx, id);
      rejectModeChange(input, row.mode);
      const basics = validateBasics(input, true);
      const update: Partial<SourceRow> = { updated_at: this.#now() };
      const changed: string[] = [];
      if (basics.name !== undefined && basics.name !== row.name) {
        await this.#assertNameFree(trx, basics.name, id);
        update.name = basics.name;
        changed.push('name');
      }
      if (basics.description !== undefined && basics.description !== row.description) {
        update.description = basics.description;
        changed.push('description');
      }
      if (row.mode === 'push' && input.push !== undefined) {
        const stored = this.#readableSecrets(row);
        const before = JSON.parse(row.settings) as PushSettings;
        const { settings, secrets } = this.#validatePush(row.protocol === 'ldap' ? 'ldap' : 'scim', input.push, before, stored);
        // The table checked and kept (deliveryKeysChanged below sees a change of it).
        this.#withUserMappings(settings, input.push, before);
        await assertOrgsKnown(trx, settings.scope?.orgIds ?? [], before.scope?.orgIds ?? []);
        update.settings = JSON.stringify(settings);
        update.secrets = this.#deps.box.sealJson({ ...stored, ...secrets }, secretContext(id));
        const delivery = deliveryKeysChanged(before, settings);
        // Applied by the next delivery (see SyncCenter's pending applies): a trustLinks run.
        if (delivery.length > 0) update.apply_pending_at = this.#now();
        changed.push('push', ...Object.keys(secrets).map((key) => `push.${key}`), ...delivery.map((key) => `push.${key}`));
        if (delivery.includes('scope')) scopeChange = { before: before.scope ?? null, after: settings.scope ?? null };
      }
      if (row.mode === 'pull' && input.pull !== undefined) {
        const before = JSON.parse(row.settings) as PullSettings;
        const settings = validatePull(input.pull, before, this.#deps.checkUserFilter);
        update.settings = JSON.stringify(settings);
        changed.push('pull');
        if ((before.userFilter ?? null) !== (settings.userFilter ?? null)) {
          changed.push('pull.userFilter');
          scopeChange = { before: { userFilter: before.userFilter ?? null }, after: { userFilter: settings.userFilter ?? null } };
        }
      }
      await trx(TABLES.sources).where({ id }).update(update);
      await this.#deps.audit.record({ actor: actorOf(options), action: 'source.update', sourceId: id, detail: scopeChange ? { changed, scope: scopeChange } : { changed } }, trx);
    });
    this.#emit(id, 'updated');
    return this.get(id);
  }

  enable(id: string, options: ActorOption = {}): Promise<Source> {
    return this.#setEnabled(id, true, options);
  }

  disable(id: string, options: ActorOption = {}): Promise<Source> {
    return this.#setEnabled(id, false, options);
  }

  /** Lifts a quarantine so that delivery starts again. */
  async resume(id: string, options: ActorOption = {}): Promise<Source> {
    await this.#deps.knex.transaction(async (trx) => {
      await this.#requireRow(trx, id);
      await trx(TABLES.sources).where({ id }).update({ quarantined_at: null, quarantine_reason: null, failure_streak: 0, updated_at: this.#now() });
      await this.#deps.audit.record({ actor: actorOf(options), action: 'source.resume', sourceId: id }, trx);
    });
    this.#deps.events.emit('source', { id, action: 'resumed', actor: actorOf(options) });
    return this.get(id);
  }

  /** Deletes a disabled source with its links, runs and logs. An enabled source is refused. */
  async delete(id: string, options: ActorOption = {}): Promise<void> {
    await this.#deps.knex.transaction(async (trx) => {
      const row = await this.#requireRow(trx, id);
      if (row.enabled) {
        throw new StateConflictError('source_enabled', `source "${row.name}" is enabled; disable it before deleting it`);
      }
      await trx(TABLES.sources).where({ id }).delete();
      await this.#deps.audit.record({ actor: actorOf(options), action: 'source.delete', sourceId: id, detail: { name: row.name } }, trx);
    });
    this.#emit(id, 'deleted');
  }

  /** New client secret and token for a pull source; the old ones stop working at once. */
  async regenerateCredentials(id: string, options: ActorOption = {}): Promise<PullCredentials> {
    const credentials = newPullCredentials();
    await this.#deps.knex.transaction(async (trx) => {
      const row = await this.#requireRow(trx, id);
      if (row.mode !== 'pull') throw new StateConflictError('not_pull', 'only pull sources have generated credentials');
      await trx(TABLES.sources).where({ id }).update({
        pull_client_id: credentials.clientId,
        pull_client_secret_hash: hashToken(credentials.clientSecret),
        pull_token_hash: hashToken(credentials.token),
        credentials_rotated_at: this.#now(),
        updated_at: this.#now(),
      });
      await this.#deps.audit.record({ actor: actorOf(options), action: 'source.regenerate_credentials', sourceId: id }, trx);
    });
    this.#emit(id, 'credentials');
    return credentials;
  }

  /** Asks for a pending apply without a settings change (a scoped source's subtrees moved). */
  async requestApply(id: string): Promise<void> {
    await this.#deps.knex(TABLES.sources).where({ id }).update({ apply_pending_at: this.#now() });
  }

  /** Marks a pending apply as done (its run has started), unless a newer change came in after `since`. */
  async clearApplyPending(id: string, since: string): Promise<void> {
    await this.#deps.knex(TABLES.sources).where({ id }).where('apply_pending_at', '<=', since).update({ apply_pending_at: null });
  }

  /** When a change of scope or user mappings that waits to be applied to the downstream was saved; null when none waits. */
  async applyPendingSince(id: string): Promise<string | null> {
    const row = await findSourceRow(this.#deps.knex, id);
    return row?.apply_pending_at ?? null;
  }

  /** The decrypted push secrets, for the SCIM client only. Never render or log the result. */
  async pushSecrets(id: string): Promise<PushSecretsInput> {
    return openSecrets(this.#deps.box, await this.#requireRow(this.#deps.knex, id));
  }

  /** The enabled pull source a long-lived token belongs to, if any. */
  async authenticatePullToken(token: string): Promise<Source | undefined> {
    const row: SourceRow | undefined = await this.#deps.knex(TABLES.sources).where({ pull_token_hash: hashToken(token), mode: 'pull' }).first();
    if (!row || !row.pull_token_hash || !tokenMatchesHash(token, row.pull_token_hash) || !row.enabled) return undefined;
    return this.#present(row);
  }

  /** The enabled pull source whose client id and secret these are, if any. */
  async authenticatePullClient(clientId: string, clientSecret: string): Promise<Source | undefined> {
    const row: SourceRow | undefined = await this.#deps.knex(TABLES.sources).where({ pull_client_id: clientId, mode: 'pull' }).first();
    // Hash a dummy when the client is unknown so both paths cost the same.
    const storedHash = row?.pull_client_secret_hash ?? hashToken(randomBytes(16).toString('hex'));
    const matches = tokenMatchesHash(clientSecret, storedHash);
    if (!row || !matches || !row.enabled) return undefined;
    return this.#present(row);
  }

  async #setEnabled(id: string, enabled: boolean, options: ActorOption): Promise<Source> {
    await this.#deps.knex.transaction(async (trx) => {
      const row = await this.#requireRow(trx, id);
      if (Boolean(row.enabled) === enabled) return;
      if (enabled && row.mode === 'push') this.#assertPushSecretsReadable(row);
      await trx(TABLES.sources).where({ id }).update({ enabled, updated_at: this.#now() });
      await this.#deps.audit.record({ actor: actorOf(options), action: enabled ? 'source.enable' : 'source.disable', sourceId: id }, trx);
    });
    this.#emit(id, enabled ? 'enabled' : 'disabled');
    return this.get(id);
  }

  /**
   * The stored secrets, or none when they no longer decrypt (the secret key changed): the update
   * then asks for them again, as the "enter them again" message tells the admin to do.
   */
  #readableSecrets(row: SourceRow): PushSecretsInput {
    try {
      return openSecrets(this.#deps.box, row);
    } catch (error) {
      if (error instanceof SecretBoxError) return {};
      throw error;
    }
  }

  #assertPushSecretsReadable(row: SourceRow): void {
    try {
      openSecrets(this.#deps.box, row);
    } catch (error) {
      if (error instanceof SecretBoxError) {
        throw new StateConflictError('secrets_unreadable', 'the stored credentials cannot be decrypted with the current secret key; enter them again');
      }
      throw error;
    }
  }

  async #requireRow(db: Knex | Knex.Transaction, id: string): Promise<SourceRow> {
    const row = await findSourceRow(db, id);
    if (!row) throw new NotFoundError('source', id);
    return row;
  }

  async #assertNameFree(trx: Knex.Transaction, name: string, exceptId: string | null): Promise<void> {
    const query = trx(TABLES.sources).whereRaw('lower(name) = lower(?)', [name]);
    if (exceptId) query.whereNot({ id: exceptId });
    if (await query.first('id')) throw ValidationError.single('name', 'taken', `a source named "${name}" already exists`);
  }

  #present(row: SourceRow): Source {
    let secrets: PushSecretsInput = {};
    try {
      if (row.mode === 'push') secrets = openSecrets(this.#deps.box, row);
    } catch {
      // Unreadable with this key: shown as "not set", and enabling explains why.
    }
    return toSource(row, secrets);
  }

  /**
   * Puts the mapping table on validated settings: the one given (checked), else the stored one.
   * Returns whether it changed.
   */
  #withUserMappings(settings: PushSettings, input: { userMappings?: unknown } | undefined, current: PushSettings | null): boolean {
    const before = current?.userMappings ?? null;
    let next = before;
    if (input && input.userMappings !== undefined) {
      const check = this.#deps.checkUserMappings;
      if (!check) {
        if (input.userMappings !== null) throw ValidationError.single('push.userMappings', 'unsupported', 'this center cannot check mapping tables');
        next = null;
      } else {
        const { mappings, issues } = check(input.userMappings);
        if (issues.length > 0) throw new ValidationError(issues);
        next = mappings;
      }
    }
    if (next) settings.userMappings = next;
    else delete settings.userMappings;
    return JSON.stringify(before) !== JSON.stringify(next);
  }

  /** A push source's settings by its protocol: SCIM's connection fields, or an LDAP directory's. */
  #validatePush(protocol: SourceProtocol, input: PushSettingsInput, before: PushSettings | null, stored: PushSecretsInput): { settings: PushSettings; secrets: PushSecretsInput } {
    if (protocol === 'ldap') return validateLdapPush(input, before, Boolean(stored.bindPassword), this.#deps.checkLdapSettings, this.#deps.checkUserFilter);
    return validatePush(input, before, { token: Boolean(stored.token), clientSecret: Boolean(stored.clientSecret) }, this.#urlPolicy(), this.#deps.checkUserFilter);
  }

  #urlPolicy(): PushUrlPolicy {
    return { allowHttp: this.#deps.allowHttpPush, allowPrivate: this.#deps.allowPrivatePush };
  }

  #emit(id: string, action: SourceAction): void {
    this.#deps.events.emit('source', { id, action });
  }

  #now(): string {
    return this.#clock().toISOString();
  }
}

function actorOf(options: ActorOption): string {
  return options.actor?.trim() || DEFAULT_ACTOR;
}

function newPullCredentials(): PullCredentials {
  return {
    clientId: `ssc-client-${randomBytes(9).toString('base64url')}`,
    clientSecret: generateToken('ssc_secret'),
    token: generateToken('ssc_token'),
  };
}
