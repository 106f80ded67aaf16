import { describe, expect, it } from 'vitest';
import { SecretBoxError } from '../../../lib/errors.js';
import { SecretBox } from '../../../lib/util/secret-box.js';
import { hashToken, tokenMatchesHash } from '../../../lib/util/tokens.js';
import { TEST_KEY } from '../../support/test-center.js';

describe('SecretBox', () => {
  const box = new SecretBox(TEST_KEY);

  it('round-trips a secret and never stores it in clear', () => {
    const sealed = box.seal('downstream-token', 'source:a');
    expect(sealed).not.toContain('downstream-token');
    expect(box.open(sealed, 'source:a')).toBe('downstream-token');
  });

  it('uses a fresh IV every time', () => {
    expect(box.seal('same', 'ctx')).not.toBe(box.seal('same', 'ctx'));
  });

  it('detects tampered ciphertext instead of returning garbage', () => {
    const sealed = box.seal('downstream-token', 'source:a');
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    raw[raw.length - 1] ^= 0x01;
    expect(() => box.open(`v1.${raw.toString('base64url')}`, 'source:a')).toThrow(SecretBoxError);
  });

  it('refuses a ciphertext moved to another context', () => {
    const sealed = box.seal('downstream-token', 'source:a');
    expect(() => box.open(sealed, 'source:b')).toThrow(SecretBoxError);
  });

  it('refuses to open with another key', () => {
    const sealed = box.seal('downstream-token', 'source:a');
    expect(() => new SecretBox(`${TEST_KEY}-other`).open(sealed, 'source:a')).toThrow(/wrong key or tampered/);
  });

  it('refuses truncated and unknown formats', () => {
    expect(() => box.open('v1.AAAA', 'ctx')).toThrow(SecretBoxError);
    expect(() => box.open('plain-text', 'ctx')).toThrow(SecretBoxError);
  });
});

describe('token hashes', () => {
  it('match only the token they were made from', () => {
    const stored = hashToken('ssc_token_abc');
    expect(tokenMatchesHash('ssc_token_abc', stored)).toBe(true);
    expect(tokenMatchesHash('ssc_token_abd', stored)).toBe(false);
    expect(tokenMatchesHash('ssc_token_abc', 'short')).toBe(false);
  });
});
