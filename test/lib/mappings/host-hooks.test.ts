import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../../../lib/options.js';
import { buildUser } from '../../support/factories.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../../support/push-helpers.js';
import { useTestCenter } from '../../support/test-center.js';

const base = { directory: { listUsers: () => ({ items: [] }), listOrgs: () => ({ items: [] }) }, admin: { isAdmin: () => true } } as never;

describe('the host’s push.mapUser and push.mapOrg', () => {
  it('must be functions', () => {
    expect(() => resolveOptions({ ...(base as object), push: { mapUser: 'x' } } as never)).toThrow(/push\.mapUser.*must be a function/);
    expect(resolveOptions({ ...(base as object), push: { mapOrg: (body: unknown) => body } } as never).push.mapOrg).toBeTypeOf('function');
  });

  describe('a mapUser that throws', () => {
    const server = useFakeDownstream();
    const t = useTestCenter({
      push: {
        ...FAST_PUSH,
        mapUser: () => {
          throw new Error('directory lookup down');
        },
      },
    });

    it('fails the run with a HostHookError naming the hook, and sends nothing', async () => {
      await t.center.changes.apply([{ type: 'userUpserted', user: buildUser({ id: 'h1' }) }]);
      const source = await createPushSource(t.center, server, { orgUrl: '' });
      const run = (await t.center.runs.settled((await t.center.runs.start(source.id)).id))!;
      expect(run.status).toBe('failed');
      expect(JSON.stringify(run)).toContain('mapUser');
      expect(server.writes()).toEqual([]);
    });
  });
});
