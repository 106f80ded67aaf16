import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random credential with a readable prefix so a leaked one is recognisable in a scan. */
export function generateToken(prefix: string, bytes = 32): string {
  return `${prefix}_${randomBytes(bytes).toString('base64url')}`;
}

/**
 * Credentials we issue are 256-bit random, so a plain SHA-256 is a sound one-way store
 * (a slow password hash buys nothing against that entropy and costs every request).
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented credential against a stored hash. */
export function tokenMatchesHash(token: string, storedHash: string): boolean {
  const presented = Buffer.from(hashToken(token), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
