import type { Knex } from 'knex';
import { TABLES } from '../../persistence/tables.js';
import type { PullSettings } from '../../sources/source-types.js';
import { generateToken, hashToken, tokenMatchesHash } from '../../util/tokens.js';
import type { PullClient } from './pull-client.js';

const OAUTH_TOKENS_TABLE = TABLES.oauthTokens;
/** Access tokens from the token endpoint live one hour (RFC 6749 §4.4.3 `expires_in`). */
export const ACCESS_TOKEN_TTL_SECONDS = 3600;
const ACCESS_TOKEN_PREFIX = 'ssc_at';

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
}

/**
 * Short-lived OAuth 2.0 access tokens: 256-bit random, stored as SHA-256 hashes with their
 * expiry, so a database dump gives no usable token, and revocation is a row delete. A token is
 * valid only while its source is an enabled pull source whose client id is still the one the
 * token was issued to, so regenerating the credentials revokes every token at once.
 */
export class OAuthTokens {
  constructor(
    private readonly knex: Knex,
    private readonly clock: () => Date,
  ) {}

  async issue(sourceId: string, clientId: string): Promise<IssuedToken> {
    const accessToken = generateToken(ACCESS_TOKEN_PREFIX);
    const now = this.clock();
    await this.knex(OAUTH_TOKENS_TABLE).insert({
      token_hash: hashToken(accessToken),
      source_id: sourceId,
      client_id: clientId,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + ACCESS_TOKEN_TTL_SECONDS * 1000).toISOString(),
    });
    return { accessToken, expiresIn: ACCESS_TOKEN_TTL_SECONDS };
  }

  /** The pull client an access token stands for, or undefined (unknown, expired or revoked). */
  async authenticate(token: string): Promise<PullClient | undefined> {
    if (!token.startsWith(`${ACCESS_TOKEN_PREFIX}_`)) return undefined;
    const hash = hashToken(token);
    const row = await this.knex(`${OAUTH_TOKENS_TABLE} as t`)
      .join(`${TABLES.sources} as s`, 's.id', 't.source_id')
      .where('t.token_hash', hash)
      .first('t.token_hash', 't.client_id', 't.expires_at', 's.id as source_id', 's.enabled', 's.mode', 's.pull_client_id', 's.settings');
    if (!row || !tokenMatchesHash(token, row.token_hash)) return undefined;
    if (row.expires_at <= this.clock().toISOString()) return undefined;
    if (!row.enabled || row.mode !== 'pull' || row.pull_client_id !== row.client_id) return undefined;
    const settings = JSON.parse(row.settings) as PullSettings;
    return { sourceId: row.source_id, clientId: row.client_id, scopeOrgIds: settings.scopeOrgIds ?? [], userFilter: settings.userFilter ?? null, expiresAt: row.expires_at };
  }

  /** Deletes expired tokens; returns how many went. */
  async purgeExpired(): Promise<number> {
    return this.knex(OAUTH_TOKENS_TABLE).where('expires_at', '<=', this.clock().toISOString()).delete();
  }
}
