import { describe, expect, it } from 'vitest';
import { TABLES } from '../../../lib/persistence/tables.js';
import { buildUser } from '../../support/factories.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../../support/push-helpers.js';
import { useTestCenter } from '../../support/test-center.js';

/** The reads and the edited-settings test the console needs from center.push. */
describe('center.push for the console', () => {
  const server = useFakeDownstream();
  const t = useTestCenter({ push: FAST_PUSH });

  it('link() reads one link, undefined when there is none', async () => {
    await t.center.changes.userUpserted(buildUser({ id: 'a1' }));
    const source = await createPushSource(t.center, server);
    await t.center.runs.settled((await t.center.runs.start(source.id)).id);
    expect(await t.center.push.link(source.id, 'user', 'a1')).toMatchObject({ localId: 'a1', lastStatus: 'synced', remoteId: expect.any(String) });
    expect(await t.center.push.link(source.id, 'user', 'nobody')).toBeUndefined();
  });

  it('hold() reads the deletion hold alone, null when there is none; pull sources have none to read', async () => {
    const source = await createPushSource(t.center, server);
    expect(await t.center.push.hold(source.id)).toBeNull();
    const hold = { reason: 'r', deletes: 2, linked: 3, throughSeq: 1, at: new Date().toISOString() };
    await t.knex(TABLES.pushState).insert({ source_id: source.id, hold: JSON.stringify(hold), confirmed_delete_seq: 0, cancelled_delete_seq: 0, updated_at: hold.at });
    expect(await t.center.push.hold(source.id)).toEqual(hold);
    const { source: pull } = await t.center.sources.create({ name: 'Wiki', mode: 'pull' });
    await expect(t.center.push.hold(pull.id)).rejects.toMatchObject({ reason: 'not_push' });
  });

  it('testConnection(id, edited) tests edited settings over the saved ones, with the stored secret, saving nothing', async () => {
    // Saved with another path on the same origin: the stored token may be used there (issue 14: only there).
    const savedUrl = server.url('Users').replace('/scim/v2/', '/old/scim/v2/');
    const { source } = await t.center.sources.create({ name: 'CRM', mode: 'push', push: { token: server.options.token, userUrl: savedUrl } });
    const result = await t.center.push.testConnection(source.id, { userUrl: server.url('Users') });
    expect(result.steps.map((step) => [step.name, step.ok, Boolean(step.skipped)])).toEqual([
      ['auth', true, false],
      ['serviceProviderConfig', true, false],
      ['users', true, false],
      ['orgs', true, true],
      ['orgShape', true, true],
    ]);
    expect(server.requests.every((request) => request.authorization === `Bearer ${server.options.token}`)).toBe(true);
    expect((await t.center.sources.get(source.id)).push!.userUrl).toBe(savedUrl);
    // An entered secret wins over the stored one; a bad edited value is a validation error, not a test.
    expect((await t.center.push.testConnection(source.id, { userUrl: server.url('Users'), token: 'typed-wrong' })).ok).toBe(false);
    await expect(t.center.push.testConnection(source.id, { userUrl: 'ftp://x' })).rejects.toMatchObject({ code: 'SSC_VALIDATION' });
  });
});
