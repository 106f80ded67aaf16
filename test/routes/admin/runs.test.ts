import { english } from '../../support/messages.js';
import { describe, expect, it } from 'vitest';
import type { Directory, DirectoryPageRequest } from '../../../lib/hooks/directory.js';
import { adminAgent } from '../../support/admin-agent.js';
import { buildDirectory } from '../../support/factories.js';
import { replaceFixture } from '../../support/fixture.js';
import { MemoryDirectory } from '../../support/memory-directory.js';
import { createTestCenter, MOUNT, useTestCenter } from '../../support/test-center.js';

/** A directory whose user pages wait until the test opens the gate, so a run stays running. */
class GatedDirectory implements Directory {
  #open!: () => void;
  readonly #gate = new Promise<void>((resolve) => (this.#open = resolve));
  constructor(private readonly inner: MemoryDirectory) {}
  open(): void {
    this.#open();
  }
  async listUsers(request: DirectoryPageRequest) {
    await this.#gate;
    return this.inner.listUsers(request);
  }
  listOrgs(request: DirectoryPageRequest) {
    return this.inner.listOrgs(request);
  }
}

describe('console: manual sync', () => {
  const test = useTestCenter({}, () => new MemoryDirectory(buildDirectory(2, 3)));

  /** The console of this test's center; a test about a particular host directory puts in a center on it. */
  const setup = async (directory?: Directory) => {
    // createTestCenter types its directory as the in-memory one; any Directory works at run time.
    if (directory) await replaceFixture(test, () => createTestCenter({}, directory as MemoryDirectory));
    return adminAgent(test.app, 'alice');
  };

  it('refuses a manual sync of a disabled source, says why, and offers no button', async () => {
    const client = await setup();
    const { source } = await test.center.sources.create({ name: 'Wiki', mode: 'pull' });
    const page = await client.get(`/sources/${source.id}/sync`).set('accept-language', 'en');
    expect(page.text).toContain('Enable the source to run a manual sync.');
    expect(page.text).not.toContain(`action="${MOUNT}/sources/${source.id}/sync"`);
    const token = await client.csrf();
    const res = await client.agent.post(`${MOUNT}/sources/${source.id}/sync`).set('x-test-admin', 'alice').set('accept-language', 'en').type('form').send(`_csrf=${token}`);
    expect(res.status).toBe(409);
    expect(res.text).toContain('This source is not enabled. Enable it to sync.');
    expect((await test.center.runs.list(source.id)).total).toBe(0);
  });

  it('starts a run of an enabled pull source, audited, listed, with its per-object log', async () => {
    const client = await setup();
    const { source } = await test.center.sources.create({ name: 'Wiki', mode: 'pull' });
    await test.center.sources.enable(source.id);
    const res = await client.post(`/sources/${source.id}/sync`, {});
    expect(res.headers.location).toBe(`${MOUNT}/sources/${source.id}/sync?done=started`);
    const [run] = (await test.center.runs.list(source.id)).runs;
    await test.center.runs.settled(run!.id);
    expect((await test.center.audit.list({ sourceId: source.id }))[0]).toMatchObject({ actor: 'alice', action: 'run.start', detail: { runId: run!.id } });
    const page = await client.get(`/sources/${source.id}/sync`).set('accept-language', 'en');
    expect(page.text).toContain('Succeeded');
    expect(page.text).toContain('alice');
    expect(page.text).toContain(`href="${MOUNT}/sources/${source.id}/runs/${run!.id}"`);
    const log = await client.get(`/sources/${source.id}/runs/${run!.id}`).set('accept-language', 'en');
    expect(log.status).toBe(200);
    expect((log.text.match(/class="log-entry"/g) ?? []).length).toBe(6);
    const failedOnly = await client.get(`/sources/${source.id}/runs/${run!.id}?result=failed`).set('accept-language', 'en');
    expect(failedOnly.text).toContain('No objects with this result.');
  });

  it('reports live progress as JSON and cancels a running run', async () => {
    const directory = new GatedDirectory(new MemoryDirectory(buildDirectory(2, 3)));
    const client = await setup(directory);
    const { source } = await test.center.sources.create({ name: 'Wiki', mode: 'pull' });
    await test.center.sources.enable(source.id);
    await client.post(`/sources/${source.id}/sync`, {});
    const [run] = (await test.center.runs.list(source.id)).runs;
    const page = await client.get(`/sources/${source.id}/sync`);
    expect(page.text).toContain(`data-progress-url="${MOUNT}/sources/${source.id}/runs/${run!.id}/progress"`);
    expect(page.text).toContain('<progress');
    expect(page.text).toContain('disabled aria-describedby="sync-running"');
    const progress = await client.get(`/sources/${source.id}/runs/${run!.id}/progress`);
    expect(progress.type).toBe('application/json');
    expect(progress.body).toMatchObject({ id: run!.id, active: true });
    const cancel = await client.post(`/sources/${source.id}/runs/${run!.id}/cancel`, {});
    expect(cancel.headers.location).toBe(`${MOUNT}/sources/${source.id}/sync?done=cancelRequested`);
    directory.open();
    expect((await test.center.runs.settled(run!.id))?.status).toBe('cancelled');
    expect((await test.center.audit.list({ sourceId: source.id }))[0]).toMatchObject({ actor: 'alice', action: 'run.cancel' });
  });

  it('starts a push run, which fails with its reason when nothing answers at the User URL', async () => {
    const client = await setup();
    const { source } = await test.center.sources.create({ name: 'CRM', mode: 'push', push: { userUrl: 'http://127.0.0.1:9/Users', token: 't' } });
    await test.center.sources.enable(source.id);
    const token = await client.csrf();
    const res = await client.agent.post(`${MOUNT}/sources/${source.id}/sync`).set('x-test-admin', 'alice').set('accept-language', 'en').type('form').send(`_csrf=${token}`);
    expect(res.status).toBe(303);
    const [run] = (await test.center.runs.list(source.id)).runs;
    const done = await test.center.runs.settled(run!.id);
    expect(done).toMatchObject({ status: 'failed' });
    expect(english(done?.error)).toMatch(/refused|down/);
  });

  it("answers 404 for another source's run", async () => {
    const client = await setup();
    const { source: a } = await test.center.sources.create({ name: 'A', mode: 'pull' });
    const { source: b } = await test.center.sources.create({ name: 'B', mode: 'pull' });
    await test.center.sources.enable(a.id);
    const run = await test.center.runs.start(a.id);
    await test.center.runs.settled(run.id);
    expect((await client.get(`/sources/${b.id}/runs/${run.id}`)).status).toBe(404);
    expect((await client.get(`/sources/${b.id}/runs/${run.id}/progress`)).status).toBe(404);
  });
});
