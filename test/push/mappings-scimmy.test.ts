import { afterEach, describe, expect, it } from 'vitest';
import { startDemoDownstream, type DemoDownstream } from '../../examples/demo/downstream/index.js';
import { FAST_PUSH } from '../support/push-helpers.js';
import { useTestCenter } from '../support/test-center.js';

describe('a mapping table against a third-party SCIM server (scimmy + scimmy-routers)', () => {
  let downstream: DemoDownstream;
  afterEach(async () => {
    await downstream?.close();
  });
  const t = useTestCenter({ push: FAST_PUSH });

  it('sends pinyin user names and e-mail local parts, then updates only the user whose body changed', async () => {
    downstream = await startDemoDownstream({ port: 0, token: 'downstream-secret' });
    await t.center.changes.apply([
      { type: 'userUpserted', user: { id: 'p1', userName: 'p1', displayName: '张三', name: { givenName: '三', familyName: '张' } } },
      { type: 'userUpserted', user: { id: 'p2', userName: 'p2', displayName: '曾小明', name: { givenName: '小明', familyName: '曾' } } },
    ]);
    const { source } = await t.center.sources.create({
      name: 'Demo app',
      mode: 'push',
      push: {
        auth: 'bearer',
        token: 'downstream-secret',
        userUrl: `${downstream.scimUrl}/Users`,
        orgResource: 'organization',
        userMappings: [
          { target: 'externalId', expression: '[id]' },
          { target: 'userName', expression: 'Append(Pinyin([displayName], "."), "@corp.example")' },
          { target: 'displayName', expression: '[displayName]' },
          { target: 'name.givenName', expression: 'Pinyin([name.givenName])' },
          { target: 'name.familyName', expression: 'Pinyin([name.familyName])' },
          { target: 'emails[type eq "work"].value', expression: 'Append(Join(".", Pinyin([name.familyName]), Pinyin([name.givenName])), "@corp.example")' },
        ],
      },
    });
    await t.center.sources.enable(source.id);
    // scimmy publishes /Schemas: the Mappings page offers its attributes.
    const choices = await t.center.mappings.targetChoices(source.id);
    expect(choices.fromDownstream).toBe(true);
    expect(choices.targets).toEqual(expect.arrayContaining(['userName', 'name.givenName', 'emails[type eq "work"].value', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter']));
    expect(choices.targets).not.toContain('id');
    const run = await t.center.runs.settled((await t.center.runs.start(source.id)).id);
    expect(run).toMatchObject({ status: 'succeeded', failed: 0, created: 2 });
    const remote = new Map(downstream.store.list('users').map((user) => [user.externalId, user]));
    expect(remote.get('p1')).toMatchObject({ userName: 'zhang.san@corp.example', name: { givenName: 'san', familyName: 'zhang' }, emails: [{ type: 'work', value: 'zhang.san@corp.example' }] });
    // A surname is read as one: 曾 is "zeng" here, not "ceng".
    expect(remote.get('p2')).toMatchObject({ userName: 'zeng.xiao.ming@corp.example', emails: [{ type: 'work', value: 'zeng.xiaoming@corp.example' }] });

    await t.center.changes.apply([{ type: 'userUpserted', user: { id: 'p2', userName: 'p2', displayName: '曾小明', name: { givenName: '大明', familyName: '曾' } } }]);
    const again = await t.center.runs.settled((await t.center.runs.start(source.id, { options: { trustLinks: true } })).id);
    expect(again).toMatchObject({ status: 'succeeded', failed: 0, updated: 1 });
    expect(downstream.store.list('users').find((user) => user.externalId === 'p2')).toMatchObject({ name: { givenName: 'daming' }, emails: [{ type: 'work', value: 'zeng.daming@corp.example' }] });
  });
});
