import { hashToken } from '../../util/tokens.js';
import type { PullClient } from './pull-client.js';

const MAX_ENTRIES = 1000;

/**
 * Remembers a token's pull client for a moment, so that a puller paging quickly costs one
 * query per request instead of two. Any source change in this process (disable, delete,
 * regenerated credentials, new scope) clears it at once; another instance's change is seen
 * after at most `ttlMs`. Keys are token hashes, never tokens.
 */
export class AuthCache {
  readonly #entries = new Map<string, { client: PullClient; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  get(token: string): PullClient | undefined {
    const key = hashToken(token);
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.client;
  }

  set(token: string, client: PullClient, notAfter?: number): void {
    if (this.ttlMs <= 0) return;
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    const expiresAt = Math.min(this.now() + this.ttlMs, notAfter ?? Infinity);
    this.#entries.set(hashToken(token), { client, expiresAt });
  }

  clear(): void {
    this.#entries.clear();
  }
}
