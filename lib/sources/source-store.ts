import type { Knex } from 'knex';
import { TABLES } from '../persistence/tables.js';
import type { SecretBox } from '../util/secret-box.js';
import type { PullSettings, PushSecretsInput, PushSettings, Source, SourceMode } from './source-types.js';

/** The columns of `sync_sources` as knex returns them. */
export interface SourceRow {
  id: string;
  name: string;
  description: string;
  protocol: string;
  mode: SourceMode;
  enabled: boolean | number;
  settings: string;
  secrets: string | null;
  pull_client_id: string | null;
  pull_client_secret_hash: string | null;
  pull_token_hash: string | null;
  credentials_rotated_at: string | null;
  quarantined_at: string | null;
  quarantine_reason: string | null;
  failure_streak: number;
  last_sync_at: string | null;
  last_sync_status: string | null;
  /** A scope or mappings change not yet applied to the downstream (see SourcesService.applyPending). */
  apply_pending_at?: string | null;
  created_at: string;
  updated_at: string;
}

/** Secrets are bound to their source id, so a ciphertext moved to another row does not open. */
export function secretContext(sourceId: string): string {
  return `sync_sources:${sourceId}:secrets`;
}

export function openSecrets(box: SecretBox, row: Pick<SourceRow, 'id' | 'secrets'>): PushSecretsInput {
  return row.secrets ? box.openJson<PushSecretsInput>(row.secrets, secretContext(row.id)) : {};
}

export async function findSourceRow(db: Knex | Knex.Transaction, id: string): Promise<SourceRow | undefined> {
  if (typeof id !== 'string' || id === '') return undefined;
  return db(TABLES.sources).where({ id }).first();
}

/** Which secrets are stored, by name, for the `has…` flags (never the values). */
export function storedSecretFlags(secrets: PushSecretsInput): { hasToken: boolean; hasClientSecret: boolean; hasBindPassword: boolean } {
  return { hasToken: Boolean(secrets.token), hasClientSecret: Boolean(secrets.clientSecret), hasBindPassword: Boolean(secrets.bindPassword) };
}

export function toSource(row: SourceRow, secrets: PushSecretsInput): Source {
  const settings = JSON.parse(row.settings) as PushSettings | PullSettings;
  const enabled = Boolean(row.enabled);
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    protocol: row.protocol === 'ldap' ? 'ldap' : 'scim',
    mode: row.mode,
    enabled,
    status: row.quarantined_at ? 'quarantined' : enabled ? 'enabled' : 'disabled',
    quarantine: row.quarantined_at ? { at: row.quarantined_at, reason: row.quarantine_reason ?? '' } : null,
    push: row.mode === 'push' ? { ...(settings as PushSettings), ...storedSecretFlags(secrets) } : null,
    pull:
      row.mode === 'pull'
        ? { ...(settings as PullSettings), clientId: row.pull_client_id ?? '', credentialsRotatedAt: row.credentials_rotated_at }
        : null,
    lastSync: row.last_sync_at ? { at: row.last_sync_at, status: row.last_sync_status ?? '' } : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
