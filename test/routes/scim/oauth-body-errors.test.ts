import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../../lib/options.js';
import { TOKEN_URL, usePullFixture } from './scim-fixture.js';

/** Records everything handed to the logger, serialised, so a test can look for a secret in it. */
function recordingLogger(): Logger & { text(): string } {
  const lines: string[] = [];
  const record = (message: string, ...details: unknown[]) => {
    lines.push(message);
    for (const detail of details) {
      lines.push(String(detail));
      lines.push(JSON.stringify(detail, Object.getOwnPropertyNames(detail ?? {})) ?? '');
      if (detail && typeof detail === 'object') lines.push(JSON.stringify(Object.entries(detail)));
    }
  };
  return { info: record, warn: record, error: record, text: () => lines.join('\n') };
}

describe('POST /oauth/token with a body the parser refuses', () => {
  let logger: ReturnType<typeof recordingLogger>;
  const f = usePullFixture(() => ({ seed: false, overrides: { logger: (logger = recordingLogger()) } }));
  let form: string;
  beforeEach(() => {
    form = new URLSearchParams({ grant_type: 'client_credentials', client_id: f.credentials.clientId, client_secret: f.credentials.clientSecret }).toString();
  });

  const send = (body: string | Buffer, headers: Record<string, string>) => request(f.t.app).post(TOKEN_URL).set(headers).send(body);

  it.each([
    ['more than 20 form parameters', () => `${form}${Array.from({ length: 25 }, (_, i) => `&p${i}=x`).join('')}`, { 'Content-Type': 'application/x-www-form-urlencoded' }],
    ['charset koi8-r', () => form, { 'Content-Type': 'application/x-www-form-urlencoded; charset=koi8-r' }],
    ['charset latin1', () => form, { 'Content-Type': 'application/x-www-form-urlencoded; charset=latin1' }],
    ['an unknown Content-Encoding', () => form, { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Encoding': 'br2' }],
    ['a JSON body in an unknown charset', () => JSON.stringify({ grant_type: 'client_credentials', client_secret: f.credentials.clientSecret }), { 'Content-Type': 'application/json; charset=koi8-r' }],
    ['a corrupt gzip body', () => gzipSync(form).subarray(0, 20), { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Encoding': 'gzip' }],
  ] as const)('answers %s with 400 invalid_request and logs no part of the body', async (_name, body, headers) => {
    const res = await send(body(), { ...headers });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(logger.text()).not.toContain(f.credentials.clientSecret);
  });

  it('never hands the logger the secret of a request that fails unexpectedly', async () => {
    // A failing database makes the endpoint fail after the body is read: a 500, logged without the body.
    await f.t.knex.schema.dropTable('sync_oauth_tokens');
    const res = await send(form, { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ error: 'server_error' });
    expect(logger.text()).toContain('token endpoint');
    expect(logger.text()).not.toContain(f.credentials.clientSecret);
  });
});
