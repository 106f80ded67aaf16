import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeScimServer } from '../../support/fake-scim-server.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../../support/push-helpers.js';
import { useTestCenter } from '../../support/test-center.js';
import { TABLES } from '../../../lib/persistence/tables.js';
import { secretContext } from '../../../lib/sources/source-store.js';
import { SecretBox } from '../../../lib/util/secret-box.js';

/** Issue 14 item 4: a stored secret goes only to the origin it was saved for, and every connection test is audited. */
describe('stored push secrets are bound to their origin', () => {
  const server = useFakeDownstream();
  const t = useTestCenter({ push: FAST_PUSH });
  /** Another downstream, on another port: an address the stored secret was never saved for. */
  let elsewhere: FakeScimServer;
  beforeEach(async () => {
    elsewhere = await new FakeScimServer({ token: 'attacker-does-not-know-it' }).start();
  });
  afterEach(async () => {
    await elsewhere.close();
  });

  it('refuses to test a new origin with the stored token left blank, sends nothing there, and audits the attempt', async () => {
    const source = await createPushSource(t.center, server);
    const attempt = t.center.push.testConnection(source.id, { userUrl: elsewhere.url('Users'), orgUrl: '' }, { actor: 'mallory' });
    await expect(attempt).rejects.toMatchObject({
      code: 'SSC_VALIDATION',
      issues: [expect.objectContaining({ field: 'push.token', code: 'secret_new_origin', params: { origin: new URL(elsewhere.url('Users')).origin } })],
    });
    expect(elsewhere.requests).toHaveLength(0);
    const [entry] = await t.center.audit.list({ sourceId: source.id, limit: 1 });
    expect(entry).toMatchObject({ actor: 'mallory', action: 'push.test_connection', detail: { origins: [new URL(elsewhere.url('Users')).origin], outcome: 'invalid' } });
    expect(JSON.stringify(entry)).not.toContain(server.options.token);
  });

  it('tests a new origin once the secret is entered again, and keeps the stored one for another path on the same origin', async () => {
    const source = await createPushSource(t.center, server);
    elsewhere.options.token = 'entered-again';
    expect((await t.center.push.testConnection(source.id, { userUrl: elsewhere.url('Users'), orgUrl: '', token: 'entered-again' })).ok).toBe(true);
    expect(elsewhere.requests.every((request) => request.authorization === 'Bearer entered-again')).toBe(true);
    // Same scheme, host and port: the stored token may go there.
    const samePath = await t.center.push.testConnection(source.id, { userUrl: server.url('Users'), orgUrl: server.url('Organizations') });
    expect(samePath.ok).toBe(true);
  });

  it('does not let sources.update() carry the stored token to a new User or Org URL origin', async () => {
    const source = await createPushSource(t.center, server);
    for (const edit of [{ userUrl: elsewhere.url('Users') }, { orgUrl: elsewhere.url('Organizations') }]) {
      await expect(t.center.sources.update(source.id, { push: edit })).rejects.toMatchObject({
        issues: [expect.objectContaining({ field: 'push.token', code: 'secret_new_origin' })],
      });
    }
    expect((await t.center.sources.get(source.id)).push!.userUrl).toBe(server.url('Users'));
    // Entering the token again with the new URL is fine; so is an Org URL on the origin it was saved for.
    await t.center.sources.update(source.id, { push: { orgUrl: '' } });
    await t.center.sources.update(source.id, { push: { orgUrl: server.url('Organizations') } });
    const moved = await t.center.sources.update(source.id, { push: { userUrl: elsewhere.url('Users'), token: 'entered-again' } });
    expect(moved.push!.userUrl).toBe(elsewhere.url('Users'));
  });

  it('binds a Basic password to the User URL origin and an OAuth client secret to the token URL origin', async () => {
    const basic = await createPushSource(t.center, server, { auth: 'basic', clientId: 'app', clientSecret: 'basic-password' }, 'Basic app');
    await expect(t.center.sources.update(basic.id, { push: { userUrl: elsewhere.url('Users') } })).rejects.toMatchObject({
      issues: [expect.objectContaining({ field: 'push.clientSecret', code: 'secret_new_origin' })],
    });
    // The token endpoint on another origin than the User URL (`localhost` is not `127.0.0.1`).
    const tokenUrl = server.url('token').replace('127.0.0.1', 'localhost');
    const oauth = await createPushSource(t.center, server, { auth: 'oauth2', clientId: 'app', clientSecret: 'oauth-secret', tokenUrl }, 'OAuth app');
    await expect(t.center.sources.update(oauth.id, { push: { tokenUrl: elsewhere.url('token') } })).rejects.toMatchObject({
      issues: [expect.objectContaining({ field: 'push.clientSecret', code: 'secret_new_origin' })],
    });
    // Switching an OAuth source to Basic would send the client secret to the User URL, where it was never sent.
    await expect(t.center.push.testConnection(oauth.id, { auth: 'basic' })).rejects.toMatchObject({
      issues: [expect.objectContaining({ field: 'push.clientSecret', code: 'secret_new_origin' })],
    });
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('audits every connection test with the actor, the source, the origins and the outcome, never a secret', async () => {
    const source = await createPushSource(t.center, server);
    await t.center.push.testConnection(source.id, undefined, { actor: 'alice' });
    await t.center.push.testConnection({ auth: 'bearer', token: 'typed-secret-9', userUrl: elsewhere.url('Users') }, { actor: 'bob' });
    await t.center.push.testConnection(source.id);
    const entries = (await t.center.audit.list()).filter((entry) => entry.action === 'push.test_connection');
    expect(entries.map(({ actor, sourceId, detail }) => ({ actor, sourceId, detail }))).toEqual([
      { actor: 'api', sourceId: source.id, detail: { origins: [new URL(server.url('Users')).origin], outcome: 'passed' } },
      { actor: 'bob', sourceId: null, detail: { origins: [new URL(elsewhere.url('Users')).origin], outcome: 'failed', failedSteps: ['auth', 'serviceProviderConfig', 'users'] } },
      { actor: 'alice', sourceId: source.id, detail: { origins: [new URL(server.url('Users')).origin], outcome: 'passed' } },
    ]);
    expect(JSON.stringify(entries)).not.toMatch(/typed-secret-9|attacker-does-not-know-it/);
    expect(JSON.stringify(entries)).not.toContain(server.options.token);
  });
});

/** Credentials sealed under a secret key the center no longer has can be entered again. */
describe('stored push secrets that no longer decrypt', () => {
  const server = useFakeDownstream();
  const t = useTestCenter({ push: FAST_PUSH });

  async function sealUnderAnotherKey(sourceId: string): Promise<void> {
    const sealed = new SecretBox('another-secret-key-with-at-least-32-characters').sealJson({ token: 'lost' }, secretContext(sourceId));
    await t.knex(TABLES.sources).where({ id: sourceId }).update({ secrets: sealed });
  }

  it('refuses to enable the source, then accepts the secret entered again and works with it', async () => {
    const source = await createPushSource(t.center, server);
    await t.center.sources.disable(source.id);
    await sealUnderAnotherKey(source.id);
    await expect(t.center.sources.enable(source.id)).rejects.toMatchObject({ code: 'SSC_STATE_CONFLICT', reason: 'secrets_unreadable' });

    // Left blank, the token is required again: the unreadable one does not count as stored.
    await expect(t.center.sources.update(source.id, { push: { userUrl: server.url('Users') } })).rejects.toMatchObject({ code: 'SSC_VALIDATION' });
    await t.center.sources.update(source.id, { push: { token: server.options.token } });
    await t.center.sources.enable(source.id);
    expect((await t.center.push.testConnection(source.id)).ok).toBe(true);
  });
});
