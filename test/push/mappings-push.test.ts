import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../lib/errors.js';
import { translator } from '../../lib/i18n/index.js';
import { DEFAULT_USER_MAPPINGS } from '../../lib/mappings/user-mapping.js';
import { URN } from '../../lib/scim/urns.js';
import type { AttributeMapping } from '../../lib/sources/source-types.js';
import { buildUser } from '../support/factories.js';
import { FakeScimServer } from '../support/fake-scim-server.js';
import { useFixture } from '../support/fixture.js';
import { appliedRun, createPushSource, FAST_PUSH, useFakeDownstream } from '../support/push-helpers.js';
import { useTestCenter, type TestCenter } from '../support/test-center.js';

const row = (target: string, expression: string, extra: Partial<AttributeMapping> = {}): AttributeMapping => ({ target, expression, ...extra });
const BASE = [row('externalId', '[id]'), row('userName', '[userName]'), row('active', '[active]')];

async function sync(t: TestCenter, sourceId: string, options: Record<string, unknown> = {}) {
  return (await t.center.runs.settled((await t.center.runs.start(sourceId, { options })).id))!;
}

/** Saves a table; the run that applies the saved change (it starts by itself) is returned once it has ended. */
async function saveAndApply(t: TestCenter, sourceId: string, userMappings: AttributeMapping[]) {
  const before = Math.max(0, ...(await t.center.runs.list(sourceId)).runs.map((run) => run.id));
  await t.center.sources.update(sourceId, { push: { userMappings } });
  return appliedRun(t.center, sourceId, before);
}

async function upsert(t: TestCenter, ...users: ReturnType<typeof buildUser>[]) {
  await t.center.changes.apply(users.map((user) => ({ type: 'userUpserted' as const, user })));
}

describe('attribute mappings: saving a table', () => {
  const server = useFakeDownstream();
  const t = useTestCenter({ push: FAST_PUSH });

  it('stores a table, audits it, and null restores the defaults', async () => {
    const source = await createPushSource(t.center, server);
    expect(source.push!.userMappings).toBeUndefined();
    const table = [...BASE, row(' title ', 'ToUpper([title])', { apply: 'create' })];
    const saved = await t.center.sources.update(source.id, { push: { userMappings: table } }, { actor: 'alice' });
    expect(saved.push!.userMappings).toEqual([
      ...BASE.map((mapping) => ({ ...mapping, apply: 'always', clearWhenEmpty: false })),
      { target: 'title', expression: 'ToUpper([title])', apply: 'create', clearWhenEmpty: false },
    ]);
    // Other push settings saved later keep the table.
    expect((await t.center.sources.update(source.id, { push: { rateLimit: 5 } })).push!.userMappings).toHaveLength(4);
    const audit = await t.knex('sync_audit_log').where({ action: 'source.update', source_id: source.id }).orderBy('id');
    expect(JSON.parse(audit[0].detail).changed).toContain('push.userMappings');
    expect((await t.center.sources.update(source.id, { push: { userMappings: null } })).push!.userMappings).toBeUndefined();
  });

  it('refuses bad rows, naming each row and the column of the expression, in both languages', async () => {
    const source = await createPushSource(t.center, server);
    let error: unknown;
    try {
      await t.center.sources.update(source.id, { push: { userMappings: [...BASE, row('title', 'Join(" ", [titel])'), row('nickName', 'Left([userName] 3)'), row('bad target!', '"x"'), row('USERNAME', '[displayName]')] } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const issues = (error as ValidationError).issues;
    expect(issues.map((issue) => [issue.field, issue.code, issue.params?.column])).toEqual([
      ['push.userMappings.3.expression', 'unknown_attribute', 11],
      ['push.userMappings.4.expression', 'expected', 17],
      ['push.userMappings.5.target', 'bad_target', undefined],
      ['push.userMappings.6.target', 'duplicate_target', undefined],
    ]);
    expect(issues[0]!.message).toContain('column 11');
    const unknown = issues[0]!;
    expect(translator('en')(`mapping.error.${unknown.code}` as never, unknown.params)).toBe('Column 11: [titel] is not an attribute of the objects this maps.');
    expect(translator('zh-CN')(`mapping.error.${unknown.code}` as never, unknown.params)).toBe('第 11 列：[titel] 不是所映射对象的属性。');
    // Nothing was saved.
    expect((await t.center.sources.get(source.id)).push!.userMappings).toBeUndefined();
    await expect(t.center.sources.update(source.id, { push: { userMappings: [row('title', '[title]')] } })).rejects.toMatchObject({ issues: [{ field: 'push.userMappings', code: 'username_required' }] });
    await expect(t.center.sources.update(source.id, { push: { userMappings: 'x' as never } })).rejects.toMatchObject({ issues: [{ field: 'push.userMappings', code: 'type' }] });
  });
});

describe('attribute mappings in a push (PATCH downstream)', () => {
  const server = useFakeDownstream();
  const t = useTestCenter({ push: FAST_PUSH });

  it('the default table as a source table sends byte for byte what a source without one sends, and changes nothing', async () => {
    const users = Array.from({ length: 6 }, (_, index) => buildUser({ id: `d${index}`, title: index % 2 ? 'Engineer' : undefined, employeeNumber: `E${index}`, managerId: index > 0 ? 'd0' : undefined }));
    await upsert(t, ...users);
    const source = await createPushSource(t.center, server, { orgUrl: '' });
    expect(await sync(t, source.id)).toMatchObject({ status: 'succeeded', created: 6 });
    const before = server.resources('Users').map((user) => JSON.stringify(user));
    server.requests.length = 0;
    expect(await saveAndApply(t, source.id, DEFAULT_USER_MAPPINGS.map((mapping) => ({ ...mapping })))).toMatchObject({ status: 'succeeded', updated: 0 });
    expect(await sync(t, source.id, { trustLinks: true })).toMatchObject({ status: 'succeeded', updated: 0 });
    expect(await sync(t, source.id)).toMatchObject({ status: 'succeeded', updated: 0 });
    expect(server.writes()).toEqual([]);
    expect(server.resources('Users').map((user) => JSON.stringify(user))).toEqual(before);
  });

  it('uses every function in a real push', async () => {
    await upsert(
      t,
      buildUser({ id: 'f1', userName: 'zhang.san', displayName: '张三', name: { givenName: '三', familyName: '张' }, title: '  Senior Engineer  ', employeeNumber: 'E-042', locale: 'zh-CN', emails: [{ value: 'San.Zhang@Example.com', type: 'work' }], phoneNumbers: [{ value: '+86 10 1234', type: 'mobile' }] }),
    );
    const source = await createPushSource(t.center, server, { orgUrl: '' });
    const table = [
      ...BASE,
      row('displayName', 'Append(Pinyin([displayName], " "), " (CN)")'),
      row('name.givenName', 'Coalesce([name.middleName], Pinyin([name.givenName]))'),
      row('name.familyName', 'ToUpper(Pinyin([name.familyName]))'),
      row('name.formatted', 'Join(" ", Pinyin([name.givenName]), Pinyin([name.familyName]))'),
      row('nickName', 'Left([userName], 5)'),
      row('title', 'Trim([title])'),
      row('profileUrl', 'Replace([employeeNumber], "-", "/")'),
      row('userType', 'Switch([locale], "Other", "zh-CN", "China", "en-US", "US")'),
      row('preferredLanguage', 'IIF(IsPresent([locale]), ToLower([locale]), "en")'),
      row('emails[type eq "work"].value', 'ToLower([emails.work])'),
      row('phoneNumbers[type eq "mobile"].value', 'Join("", Split([phoneNumbers.mobile], " "))'),
      row('timezone', 'FormatDateTime("2026-12-02T10:00:00Z", "yyyy-MM-dd")'),
      row(`${URN.enterpriseUser}:department`, 'Mid([employeeNumber], 3, 3)'),
      row(`${URN.enterpriseUser}:division`, 'NormalizeDiacritics("Zürich Café")'),
    ];
    // The saved table is applied by a run of its own.
    expect(await saveAndApply(t, source.id, table)).toMatchObject({ status: 'succeeded', created: 1 });
    const [remote] = server.resources('Users');
    expect(remote).toMatchObject({
      externalId: 'f1',
      userName: 'zhang.san',
      displayName: 'zhang san (CN)',
      name: { givenName: 'san', familyName: 'ZHANG', formatted: 'san zhang' },
      nickName: 'zhang',
      title: 'Senior Engineer',
      profileUrl: 'E/042',
      userType: 'China',
      preferredLanguage: 'zh-cn',
      emails: [{ type: 'work', value: 'san.zhang@example.com' }],
      phoneNumbers: [{ type: 'mobile', value: '+86101234' }],
      timezone: '2026-12-02',
      [URN.enterpriseUser]: { department: '042', division: 'Zurich Cafe' },
    });
    expect(remote.schemas).toContain(URN.enterpriseUser);
  });

  it('"only on create" is sent once, then left alone by updates, trust-links runs and the reconciling sync', async () => {
    await upsert(t, buildUser({ id: 'c1', userName: 'c1', title: 'Engineer' }));
    const source = await createPushSource(t.center, server, { orgUrl: '', userMappings: [...BASE, row('displayName', '[displayName]'), row('title', '"New starter"', { apply: 'create' })] });
    expect(await sync(t, source.id)).toMatchObject({ status: 'succeeded', created: 1 });
    expect(server.resources('Users')[0]).toMatchObject({ title: 'New starter' });
    // The downstream's own people change it; the host changes something else.
    const [remote] = server.resources('Users');
    server.store.get('Users')!.set(remote!.id, { ...remote, title: 'Team lead' });
    await upsert(t, buildUser({ id: 'c1', userName: 'c1', title: 'Engineer', displayName: 'Renamed' }));
    server.requests.length = 0;
    expect(await sync(t, source.id, { trustLinks: true })).toMatchObject({ status: 'succeeded', updated: 1 });
    expect(server.writes().map((request) => request.body.Operations)).toEqual([[{ op: 'replace', path: 'displayName', value: 'Renamed' }]]);
    server.requests.length = 0;
    expect(await sync(t, source.id, { trustLinks: true })).toMatchObject({ status: 'succeeded', updated: 0 });
    expect(await sync(t, source.id)).toMatchObject({ status: 'succeeded', updated: 0 });
    expect(server.writes()).toEqual([]);
    expect(server.resources('Users')[0]).toMatchObject({ title: 'Team lead', displayName: 'Renamed' });
  });

  it('"clear when empty" removes the attribute; without it an empty value leaves the downstream alone', async () => {
    await upsert(t, buildUser({ id: 'e1', userName: 'e1', title: 'Engineer', locale: 'en-US' }));
    const source = await createPushSource(t.center, server, { orgUrl: '', userMappings: [...BASE, row('title', '[title]', { clearWhenEmpty: true }), row('locale', '[locale]')] });
    await sync(t, source.id);
    expect(server.resources('Users')[0]).toMatchObject({ title: 'Engineer', locale: 'en-US' });
    await upsert(t, buildUser({ id: 'e1', userName: 'e1' }));
    server.requests.length = 0;
    expect(await sync(t, source.id, { trustLinks: true })).toMatchObject({ status: 'succeeded', updated: 1 });
    expect(server.writes().map((request) => request.body.Operations)).toEqual([[{ op: 'remove', path: 'title' }]]);
    expect(server.resources('Users')[0]!.title).toBeUndefined();
    expect(server.resources('Users')[0]).toMatchObject({ locale: 'en-US' });
    server.requests.length = 0;
    expect(await sync(t, source.id)).toMatchObject({ status: 'succeeded', updated: 0 });
    expect(server.writes()).toEqual([]);
  });

  it('a change of mappings rewrites exactly the users whose body changed', async () => {
    await upsert(t, ...Array.from({ length: 10 }, (_, index) => buildUser({ id: `m${index}`, title: index < 3 ? 'engineer' : undefined })));
    const source = await createPushSource(t.center, server, { orgUrl: '', userMappings: [...BASE, row('title', '[title]')] });
    expect(await sync(t, source.id)).toMatchObject({ status: 'succeeded', created: 10 });
    server.requests.length = 0;
    // Saving the change is enough: the run that applies it updates only the three users whose body changed.
    expect(await saveAndApply(t, source.id, [...BASE, row('title', 'ToUpper([title])')])).toMatchObject({ status: 'succeeded', updated: 3, created: 0 });
    expect(server.writes()).toHaveLength(3);
    expect(server.resources('Users').filter((user) => user.title === 'ENGINEER')).toHaveLength(3);
  });
});

describe('attribute mappings in a push (PUT downstream)', () => {
  const server = useFixture(() => new FakeScimServer({ patchSupported: false }).start());
  const t = useTestCenter({ push: FAST_PUSH });

  it('omits a cleared attribute from the PUT, and sends the last value of kept ones', async () => {
    await upsert(t, buildUser({ id: 'p1', userName: 'p1', title: 'Engineer', locale: 'en-US' }));
    const source = await createPushSource(t.center, server, {
      orgUrl: '',
      userMappings: [...BASE, row('displayName', '[displayName]'), row('title', '[title]', { clearWhenEmpty: true }), row('locale', '[locale]'), row('nickName', '"newbie"', { apply: 'create' })],
    });
    await sync(t, source.id);
    expect(server.resources('Users')[0]).toMatchObject({ title: 'Engineer', locale: 'en-US', nickName: 'newbie' });
    await upsert(t, buildUser({ id: 'p1', userName: 'p1', displayName: 'Changed' }));
    server.requests.length = 0;
    expect(await sync(t, source.id, { trustLinks: true })).toMatchObject({ status: 'succeeded', updated: 1 });
    const [put] = server.writes();
    expect(put!.method).toBe('PUT');
    expect(put!.body.title).toBeUndefined();
    expect(put!.body).toMatchObject({ displayName: 'Changed', locale: 'en-US', nickName: 'newbie' });
    server.requests.length = 0;
    expect(await sync(t, source.id, { trustLinks: true })).toMatchObject({ status: 'succeeded', updated: 0 });
    expect(server.writes()).toEqual([]);
  });
});

describe('the host\'s mapUser and mapOrg, and its extra fields', () => {
  const server = useFakeDownstream();
  const t = useTestCenter({
    push: {
      ...FAST_PUSH,
      mapUser: (user, { source }) => ({ ...user, attributes: { ...user.attributes, sourceName: source.name } }),
      mapOrg: (body, { org }) => ({ ...body, description: `org ${org.id}` }),
    },
  });

  it('feeds the table what mapUser returns, reads [extra.*], and sends what mapOrg returns', async () => {
    await t.center.changes.apply([
      { type: 'orgUpserted', org: { id: 'o1', name: 'Sales' } },
      { type: 'userUpserted', user: buildUser({ id: 'x1', orgIds: ['o1'], attributes: { costCenter: 'CC-7', badge: 42, empty: null } }) },
    ]);
    const stored = JSON.parse((await t.knex('sync_users').where({ id: 'x1' }).first()).data);
    expect(stored.attributes).toEqual({ badge: '42', costCenter: 'CC-7' });
    const source = await createPushSource(t.center, server, {
      userMappings: [...BASE, row(`${URN.enterpriseUser}:costCenter`, '[extra.costCenter]'), row('nickName', 'Join("/", [extra.sourceName], [extra.badge])')],
    });
    expect(await sync(t, source.id)).toMatchObject({ status: 'succeeded', failed: 0 });
    expect(server.resources('Users')[0]).toMatchObject({ nickName: 'Downstream app/42', [URN.enterpriseUser]: { costCenter: 'CC-7' } });
    expect(server.resources('Organizations')[0]).toMatchObject({ displayName: 'Sales', description: 'org o1' });
    server.requests.length = 0;
    expect(await sync(t, source.id, { trustLinks: true })).toMatchObject({ status: 'succeeded', updated: 0 });
    expect(server.writes()).toEqual([]);
  });
});
