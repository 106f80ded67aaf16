import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDemoApp, type DemoApp } from '../../examples/demo/app.js';
import { startDemoSlapd } from '../../examples/demo/ldap/demo-slapd.js';
import { DEMO_LDAP_SOURCE_NAME } from '../../examples/demo/ldap/offer-ldap.js';
import type { Slapd } from '../../examples/demo/ldap/slapd.js';
import { SEED_USER_COUNT, seedData } from '../../examples/demo/seed.js';
import { readTree } from '../support/ldap-tree.js';
import { HAS_SLAPD } from '../support/slapd.js';

const logger = { info() {}, warn() {}, error() {} };

describe('the demo’s LDAP destination (startDemoSlapd)', () => {
  it('offers none without slapd, and says why in one line', async () => {
    const missing = await startDemoSlapd({ env: {}, ldapsPort: 0, unavailableReason: () => '/usr/sbin/slapd is not installed (apt-get install slapd ldap-utils)' });
    expect(missing).toEqual({ slapd: null, note: 'no LDAP destination: /usr/sbin/slapd is not installed (apt-get install slapd ldap-utils)' });
    const off = await startDemoSlapd({ env: { DEMO_LDAP: '0' }, ldapsPort: 0, unavailableReason: () => null });
    expect(off).toEqual({ slapd: null, note: 'no LDAP destination: DEMO_LDAP=0' });
  });

  it('runs without an LDAP source when it has no slapd', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ssc-demo-noldap-'));
    const demo = await createDemoApp({ dataDir, publicOrigin: 'http://localhost:3000', logger });
    try {
      expect((await demo.center.sources.list()).filter((source) => source.protocol === 'ldap')).toEqual([]);
    } finally {
      await demo.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!HAS_SLAPD)('the demo with slapd installed', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ssc-demo-ldap-'));
  const open: Array<{ close?(): Promise<void>; stop?(): Promise<void> }> = [];
  afterEach(async () => {
    for (const thing of open.splice(0).reverse()) await (thing.close ?? thing.stop)!.call(thing);
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function boot(): Promise<{ demo: DemoApp; slapd: Slapd }> {
    const started = await startDemoSlapd({ env: {}, ldapsPort: 0 });
    expect(started.note).toMatch(/^a throw-away slapd \(OpenLDAP\) is at ldaps:\/\/127\.0\.0\.1:\d+/);
    const slapd = started.slapd!;
    open.push(slapd);
    const demo = await createDemoApp({
      dataDir,
      publicOrigin: 'http://localhost:3000',
      ldap: { url: slapd.ldapsUrl, ca: slapd.ca, bindDn: slapd.rootDn, bindPassword: slapd.rootPassword, baseDn: slapd.suffix },
      logger,
    });
    open.push(demo);
    return { demo, slapd };
  }

  it('creates a disabled LDAP destination aimed at its slapd over LDAPS, the password sealed', async () => {
    const { demo, slapd } = await boot();
    expect(demo.notes).toContain(`created LDAP destination "${DEMO_LDAP_SOURCE_NAME}" → ${slapd.ldapsUrl}, disabled: enable it in the sync center to write the directory`);
    const sources = (await demo.center.sources.list()).filter((source) => source.protocol === 'ldap');
    expect(sources).toHaveLength(1);
    expect(sources[0]).toMatchObject({ name: DEMO_LDAP_SOURCE_NAME, mode: 'push', enabled: false, push: { hasBindPassword: true, ldap: { url: slapd.ldapsUrl, tls: 'ldaps', ca: slapd.ca.trim(), bindDn: slapd.rootDn, baseDn: slapd.suffix, groups: 'groupOfNames' } } });
    expect(JSON.stringify(sources[0])).not.toContain(slapd.rootPassword);
  });

  it('writes the seeded directory into its slapd once the admin has tested the connection, enabled it and synced', async () => {
    const { demo, slapd } = await boot();
    const source = (await demo.center.sources.list()).find((candidate) => candidate.name === DEMO_LDAP_SOURCE_NAME)!;
    const test = await demo.center.push.testConnection(source.id);
    expect(test.steps.map((step) => `${step.name}:${step.ok}`)).toEqual(['bind:true', 'baseDn:true', 'write:true']);
    expect(test.ok).toBe(true);
    await demo.center.sources.enable(source.id);
    const run = await demo.center.runs.settled((await demo.center.runs.start(source.id)).id);
    expect(run).toMatchObject({ status: 'succeeded', failed: 0 });
    const tree = await readTree(slapd);
    const count = (objectClass: string) => tree.filter((entry) => entry.attributes.objectclass!.includes(objectClass)).length;
    expect(count('inetOrgPerson')).toBe(SEED_USER_COUNT);
    expect(count('groupOfNames')).toBe(20);
    // The orgs, and the OU the deactivated users were moved to.
    expect(count('organizationalUnit')).toBe(20 + 1);
    const inactive = seedData().users.filter((user) => !user.active);
    expect(tree.filter((entry) => entry.path.startsWith('ou=Disabled / uid=')).map((entry) => entry.attributes.uid![0]).sort()).toEqual(inactive.map((user) => user.userName).sort());
  });

  it('points the stored destination at the new slapd after a restart, without a second one', async () => {
    const first = await boot();
    const id = (await first.demo.center.sources.list()).find((source) => source.name === DEMO_LDAP_SOURCE_NAME)!.id;
    for (const thing of open.splice(0).reverse()) await (thing.close ?? thing.stop)!.call(thing);
    const second = await boot();
    expect(second.slapd.ldapsUrl).not.toBe(first.slapd.ldapsUrl);
    const sources = (await second.demo.center.sources.list()).filter((source) => source.protocol === 'ldap');
    expect(sources.map((source) => [source.id, source.push!.ldap!.url, source.push!.ldap!.ca])).toEqual([[id, second.slapd.ldapsUrl, second.slapd.ca.trim()]]);
    expect((await second.demo.center.sources.pushSecrets(id)).bindPassword).toBe(second.slapd.rootPassword);
    expect(second.demo.notes).toContain(`LDAP destination "${DEMO_LDAP_SOURCE_NAME}" → ${second.slapd.ldapsUrl} (disabled: enable it in the sync center to write the directory)`);
  });

  it('fills the new slapd at a restart when the admin had enabled the destination', async () => {
    const first = await boot();
    const id = (await first.demo.center.sources.list()).find((source) => source.name === DEMO_LDAP_SOURCE_NAME)!.id;
    await first.demo.center.sources.enable(id);
    for (const thing of open.splice(0).reverse()) await (thing.close ?? thing.stop)!.call(thing);
    const second = await boot();
    expect(second.demo.notes).toContain(`LDAP destination "${DEMO_LDAP_SOURCE_NAME}" → ${second.slapd.ldapsUrl} (re-synced at start)`);
    const [latest] = (await second.demo.center.runs.list(id)).runs;
    expect(await second.demo.center.runs.settled(latest!.id)).toMatchObject({ status: 'succeeded', failed: 0 });
    expect((await readTree(second.slapd)).filter((entry) => entry.attributes.objectclass!.includes('inetOrgPerson'))).toHaveLength(SEED_USER_COUNT);
  });
});
