import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDemoApp, DEMO_SOURCE_NAME, type DemoApp } from '../../examples/demo/app.js';
import { startDemoDownstream, type DemoDownstream } from '../../examples/demo/downstream/index.js';
import { SEED_USER_COUNT } from '../../examples/demo/seed.js';

describe('the demo after a restart', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ssc-demo-restart-'));
  const logger = { info() {}, warn() {}, error() {} };
  const open: Array<DemoApp | DemoDownstream> = [];
  afterEach(async () => {
    for (const thing of open.reverse()) await thing.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function boot(port: number) {
    const downstream = await startDemoDownstream({ port, token: 'demo-downstream-token' });
    open.push(downstream);
    const demo = await createDemoApp({ dataDir, publicOrigin: 'http://localhost:3000', downstream: { url: downstream.url, scimUrl: downstream.scimUrl, token: 'demo-downstream-token' }, logger });
    open.push(demo);
    const source = (await demo.center.sources.list()).find((candidate) => candidate.name === DEMO_SOURCE_NAME)!;
    const { runs } = await demo.center.runs.list(source.id);
    return { downstream, demo, run: await demo.center.runs.settled(runs[0]!.id) };
  }

  it('re-syncs its in-memory downstream at start, which comes back with every user and org', async () => {
    const first = await boot(0);
    expect(first.run).toMatchObject({ status: 'succeeded', failed: 0 });
    const port = first.downstream.port;
    // Both stop; the downstream comes back on its port with nothing in it.
    for (const thing of open.splice(0).reverse()) await thing.close();
    const second = await boot(port);
    expect(second.run).toMatchObject({ status: 'succeeded', failed: 0, created: SEED_USER_COUNT + 20 });
    expect(second.downstream.store.users.size).toBe(SEED_USER_COUNT);
    expect(second.downstream.store.orgs.size).toBe(20);
  });
});
