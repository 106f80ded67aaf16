import { describe, expect, it } from 'vitest';
import {
  RemoteConflictError,
  RemoteNotFoundError,
  RemoteRejectedError,
  RemoteUnsupportedError,
  StopSyncError,
  TransientPushError,
} from '../../../../lib/push/client/errors.js';
import { errorForNetworkFailure, errorForResponse, parseRetryAfter } from '../../../../lib/push/client/status-mapping.js';

const base = { method: 'POST', path: '/scim/v2/Users' };

describe('errorForResponse', () => {
  it.each([
    [401, StopSyncError],
    [403, StopSyncError],
    [404, RemoteNotFoundError],
    [409, RemoteConflictError],
    [405, RemoteUnsupportedError],
    [501, RemoteUnsupportedError],
    [400, RemoteRejectedError],
    [413, RemoteRejectedError],
    [422, RemoteRejectedError],
    [408, TransientPushError],
    [429, TransientPushError],
    [500, TransientPushError],
    [502, TransientPushError],
    [503, TransientPushError],
    [504, TransientPushError],
    [599, TransientPushError],
  ])('maps %i to %s', (status, type) => {
    expect(errorForResponse({ ...base, status })).toBeInstanceOf(type);
  });

  it('treats a 400 with scimType uniqueness as a conflict to adopt', () => {
    expect(errorForResponse({ ...base, status: 400, body: { scimType: 'uniqueness', detail: 'taken' } })).toBeInstanceOf(RemoteConflictError);
  });

  it('treats a documented "not supported" 400 as unsupported, so the other method is tried', () => {
    expect(errorForResponse({ ...base, status: 400, body: { detail: 'PATCH is not supported' } })).toBeInstanceOf(RemoteUnsupportedError);
  });

  it('refuses to follow redirects and says how to fix it', () => {
    const error = errorForResponse({ ...base, status: 302 });
    expect(error).toBeInstanceOf(StopSyncError);
    expect((error as StopSyncError).reason).toBe('config');
  });

  it('carries Retry-After on 429 and 503 only', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect((errorForResponse({ ...base, status: 429, retryAfter: '3', now }) as TransientPushError).retryAfterMs).toBe(3000);
    expect((errorForResponse({ ...base, status: 503, retryAfter: 'Thu, 01 Jan 2026 00:00:05 GMT', now }) as TransientPushError).retryAfterMs).toBe(5000);
    expect((errorForResponse({ ...base, status: 500, retryAfter: '3', now }) as TransientPushError).retryAfterMs).toBeUndefined();
  });

  it('keeps the status, scimType and request in the error', () => {
    const error = errorForResponse({ ...base, status: 400, body: { scimType: 'invalidValue', detail: 'bad email' } });
    expect(error).toMatchObject({ status: 400, scimType: 'invalidValue', method: 'POST', path: '/scim/v2/Users' });
    expect(error.message).toContain('bad email');
  });
});

describe('errorForNetworkFailure', () => {
  it.each(['ECONNRESET', 'ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_SOCKET'])('makes %s transient', (code) => {
    const error = errorForNetworkFailure(Object.assign(new Error('boom'), { code }), base);
    expect(error).toBeInstanceOf(TransientPushError);
    expect((error.cause as { code?: string }).code).toBe(code);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, ignores junk', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:02 GMT', now)).toBe(2000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('a Retry-After above push.maxRetryAfterMs', () => {
  it('is cut to the cap, keeps what was asked, and says so in the message', () => {
    for (const retryAfter of ['1000000000', '9'.repeat(400)]) {
      const error = errorForResponse({ ...base, status: 429, retryAfter }) as TransientPushError;
      expect(error.retryAfterMs).toBe(3_600_000);
      expect(error.retryAfterAskedMs).toBeGreaterThan(3_600_000);
      expect(error.message).toMatch(/the center waits 3600 s \(push\.maxRetryAfterMs\)/);
    }
    const own = errorForResponse({ ...base, status: 503, retryAfter: '120', maxRetryAfterMs: 60_000 }) as TransientPushError;
    expect([own.retryAfterMs, own.retryAfterAskedMs]).toEqual([60_000, 120_000]);
    const within = errorForResponse({ ...base, status: 429, retryAfter: '120' }) as TransientPushError;
    expect([within.retryAfterMs, within.retryAfterAskedMs]).toEqual([120_000, undefined]);
    expect(within.message).not.toMatch(/maxRetryAfterMs/);
  });
});
