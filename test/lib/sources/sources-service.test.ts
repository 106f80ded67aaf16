import { describe, expect, it } from 'vitest';
import { NotFoundError, StateConflictError, ValidationError } from '../../../lib/errors.js';
import { TABLES } from '../../../lib/persistence/tables.js';
import { useTestCenter } from '../../support/test-center.js';

const push = { auth: 'bearer' as const, userUrl: 'https://app.example.com/scim/Users', orgUrl: 'https://app.example.com/scim/Groups', token: 'downstream-token-1' };

async function issuesOf(promise: Promise<unknown>) {
  const error = await promise.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).issues;
}

describe('center.sources', () => {
  const t = useTestCenter({ allowHttpPush: false });

  it('creates a disabled push source and never returns its secrets', async () => {
    const { source, credentials } = await t.center.sources.create({ name: 'HR app', mode: 'push', push }, { actor: 'alice' });
    expect(credentials).toBeNull();
    expect(source).toMatchObject({ name: 'HR app', mode: 'push', enabled: false, status: 'disabled' });
    expect(source.push).toMatchObject({ auth: 'bearer', userUrl: push.userUrl, hasToken: true, hasClientSecret: false });
    expect(JSON.stringify(source)).not.toContain(push.token);
    const row = await t.knex(TABLES.sources).where({ id: source.id }).first();
    expect(JSON.stringify(row)).not.toContain(push.token);
    expect(await t.center.sources.pushSecrets(source.id)).toEqual({ token: push.token });
    const [audit] = await t.center.audit.list({ sourceId: source.id });
    expect(audit).toMatchObject({ actor: 'alice', action: 'source.create' });
  });

  it('creates a pull source with credentials shown once and stored hashed', async () => {
    const { source, credentials } = await t.center.sources.create({ name: 'Wiki', mode: 'pull' });
    expect(credentials?.token).toMatch(/^ssc_token_/);
    expect(source.pull?.clientId).toBe(credentials?.clientId);
    const row = await t.knex(TABLES.sources).where({ id: source.id }).first();
    expect(JSON.stringify(row)).not.toContain(credentials!.token);
    expect(JSON.stringify(row)).not.toContain(credentials!.clientSecret);
    expect(await t.center.sources.authenticatePullToken(credentials!.token)).toBeUndefined(); // disabled
    await t.center.sources.enable(source.id);
    expect((await t.center.sources.authenticatePullToken(credentials!.token))?.id).toBe(source.id);
    expect((await t.center.sources.authenticatePullClient(credentials!.clientId, credentials!.clientSecret))?.id).toBe(source.id);
    expect(await t.center.sources.authenticatePullClient(credentials!.clientId, 'wrong')).toBeUndefined();
  });

  it('invalidates old pull credentials when they are regenerated', async () => {
    const { source, credentials } = await t.center.sources.create({ name: 'Wiki', mode: 'pull' });
    await t.center.sources.enable(source.id);
    const fresh = await t.center.sources.regenerateCredentials(source.id);
    expect(await t.center.sources.authenticatePullToken(credentials!.token)).toBeUndefined();
    expect((await t.center.sources.authenticatePullToken(fresh.token))?.id).toBe(source.id);
  });

  it('validates every field at once and keeps nothing', async () => {
    const issues = await issuesOf(
      t.center.sources.create({ name: ' ', description: 'x'.repeat(300), mode: 'push', push: { auth: 'oauth2', userUrl: 'http://plain.example.com/Users' } }),
    );
    expect(issues.map((issue) => `${issue.field}:${issue.code}`)).toEqual(['name:required', 'description:too_long']);
    const pushIssues = await issuesOf(t.center.sources.create({ name: 'A', mode: 'push', push: { auth: 'oauth2', userUrl: 'http://plain.example.com/Users' } }));
    expect(pushIssues.map((issue) => `${issue.field}:${issue.code}`)).toEqual([
      'push.userUrl:https_only',
      'push.tokenUrl:required',
      'push.clientId:required',
      'push.clientSecret:required',
    ]);
    expect(await t.center.sources.list()).toEqual([]);
  });

  it('refuses a second source with the same name, whatever the case', async () => {
    await t.center.sources.create({ name: 'Wiki', mode: 'pull' });
    const issues = await issuesOf(t.center.sources.create({ name: 'wiki', mode: 'pull' }));
    expect(issues[0]).toMatchObject({ field: 'name', code: 'taken' });
  });

  it('keeps the stored secret when an update leaves it blank, replaces it otherwise', async () => {
    const { source } = await t.center.sources.create({ name: 'HR', mode: 'push', push });
    await t.center.sources.update(source.id, { description: 'new', push: { token: '' } });
    expect(await t.center.sources.pushSecrets(source.id)).toEqual({ token: push.token });
    await t.center.sources.update(source.id, { push: { token: 'rotated' } });
    expect(await t.center.sources.pushSecrets(source.id)).toEqual({ token: 'rotated' });
  });

  it('never changes the acquisition mode', async () => {
    const { source } = await t.center.sources.create({ name: 'HR', mode: 'push', push });
    const issues = await issuesOf(t.center.sources.update(source.id, { mode: 'pull' } as never));
    expect(issues[0]).toMatchObject({ field: 'mode', code: 'immutable' });
  });

  it('refuses to delete an enabled source and deletes a disabled one', async () => {
    const { source } = await t.center.sources.create({ name: 'HR', mode: 'push', push });
    await t.center.sources.enable(source.id);
    await expect(t.center.sources.delete(source.id)).rejects.toBeInstanceOf(StateConflictError);
    await t.center.sources.disable(source.id);
    await t.center.sources.delete(source.id, { actor: 'bob' });
    await expect(t.center.sources.get(source.id)).rejects.toBeInstanceOf(NotFoundError);
    const [audit] = await t.center.audit.list();
    expect(audit).toMatchObject({ actor: 'bob', action: 'source.delete' });
  });
});
