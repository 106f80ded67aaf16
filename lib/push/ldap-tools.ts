import type { EngineMessage } from '../i18n/engine-message.js';
import type { LdapSettings } from '../sources/ldap-destination.js';
import type { CheckLdapSettings } from '../sources/ldap-push-validation.js';
import type { ConnectorTestResult } from './connector.js';

/** What an LDAP entry is, as the console counts them. */
export type LdapEntryKind = 'user' | 'org' | 'group' | 'other';

/**
 * The tree an LDAP destination holds under its base DN, as the source page shows it: how many
 * entries of each kind, and the first few DNs in tree order (parents first, siblings by name).
 */
export interface LdapTree {
  baseDn: string;
  /** Entries below the base DN (the base entry itself is not counted). */
  total: number;
  counts: Record<LdapEntryKind, number>;
  /** The first `limit` DNs below the base DN in tree order, each with its kind and depth (1 = a child of the base). */
  first: Array<{ dn: string; kind: LdapEntryKind; depth: number }>;
  /** False when the read stopped at its time limit: the counts are then lower bounds. */
  complete: boolean;
  durationMs: number;
}

/** A tree read that did not get an answer: the reason as an engine message (never a secret). */
export type LdapTreeResult = { ok: true; tree: LdapTree } | { ok: false; reason: EngineMessage };

/**
 * What the push API needs from the LDAP connector, given by the center (lib/push may not import
 * lib/connectors, which implements the engine's seam). Each call opens its own connection and
 * closes it before it returns.
 */
export interface LdapTools {
  /** The connector's settings validation (the host's `allowPlainLdap` applied). */
  check: CheckLdapSettings;
  /** The connector's bind / base DN / write checks. */
  testConnection(settings: LdapSettings, secrets: { bindPassword: string }): Promise<ConnectorTestResult>;
  /** Counts the tree under the base DN with a paged search; stops at `timeoutMs` with what it has. */
  readTree(settings: LdapSettings, secrets: { bindPassword: string }, options: { limit: number; timeoutMs: number }): Promise<LdapTreeResult>;
}
