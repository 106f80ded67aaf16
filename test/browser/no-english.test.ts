import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SyncCenter } from '../../index.js';
import { buildUser } from '../support/factories.js';
import { HAS_CHROMIUM, launchChromium } from '../support/chromium.js';
import { FakeScimServer } from '../support/fake-scim-server.js';
import { createPushSource, FAST_PUSH } from '../support/push-helpers.js';
import { createTestCenter, type TestCenter } from '../support/test-center.js';
import { englishRuns } from '../support/english-runs.js';

const MOUNT = '/idp/sync';
/** Screenshots to look at after a run; never in the repository. */
const SHOTS = process.env.SYNC_SCREENSHOTS ?? '/tmp/no-english';

describe('englishRuns', () => {
  it('finds an English sentence and lets ids, URLs, quoted words and protocol names through', () => {
    expect(englishRuns('原因：the source kept failing')).toEqual(['the source kept failing']);
    expect(englishRuns('POST /scim/v2/Users 返回 400 "userName is not valid"；Bearer 令牌 https://a.example/x y z')).toEqual([]);
    expect(englishRuns('HTTP Basic 认证需要 Client ID 和 Client Secret')).toEqual([]);
  });
});

describe.skipIf(!HAS_CHROMIUM)('the Chinese pages of a failing, a quarantined and a held source', () => {
  let browser: Browser;
  let host: TestCenter & { origin: string; stop(): Promise<void> };
  let downstream: FakeScimServer;
  let broken: FakeScimServer;

  beforeAll(async () => {
    browser = await launchChromium();
    downstream = await new FakeScimServer().start();
    broken = await new FakeScimServer().start();
    const test = await createTestCenter({ push: FAST_PUSH, admin: { isAdmin: () => true, actor: () => 'admin' } });
    const app = express();
    app.use(MOUNT, test.center.router);
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    host = {
      ...test,
      origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      async stop() {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await test.close();
      },
    };
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    await downstream?.close();
    await broken?.close();
  });

  it('shows no English sentence', { timeout: 120_000 }, async () => {
    const { center } = host;
    await center.start();
    const sources = await seedSources(center);
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const found: string[] = [];
    try {
      for (const [name, source] of Object.entries(sources)) {
        const [run] = (await center.runs.list(source.id)).runs;
        const paths = [`/sources/${source.id}`, `/sources/${source.id}/log`, `/sources/${source.id}/sync`, `/sources/${source.id}/links`, `/sources/${source.id}/on-demand?q=a`];
        if (run) paths.push(`/sources/${source.id}/runs/${run.id}`);
        for (const [index, pagePath] of paths.entries()) {
          const text = await visit(page, pagePath, `${name}-${index}`);
          for (const run of englishRuns(text)) found.push(`${name} ${pagePath}: ${run}`);
        }
      }
      const list = await visit(page, '/', 'list');
      for (const run of englishRuns(list)) found.push(`list: ${run}`);
      expect(found).toEqual([]);
    } finally {
      await context.close();
    }
  });

  /** The failing one answers 400 with its own words and 503s; the quarantined one refuses the token; the held one holds deletions. */
  async function seedSources(center: SyncCenter) {
    broken.fault = (request) =>
      request.method === 'POST' && request.body?.userName === 'zh1@example.com'
        ? { status: 400, body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', detail: 'userName is not valid here' } }
        : request.method === 'POST' && request.body?.userName === 'zh2@example.com'
          ? { status: 503 }
          : undefined;
    const failing = await createPushSource(center, broken, { deprovision: { users: 'disable', orgs: 'delete' } }, '失败的应用');
    const quarantined = await createPushSource(center, downstream, { token: 'wrong-token' }, '隔离的应用');
    const held = await createPushSource(center, downstream, { deletionThreshold: { count: 1 }, deprovision: { users: 'delete', orgs: 'delete' } }, '暂缓删除的应用');
    await center.changes.apply(
      ['张三', '李四', '王五', '赵六'].map((displayName, index) => ({ type: 'userUpserted' as const, user: buildUser({ id: `zh${index}`, userName: `zh${index}@example.com`, displayName }) })),
    );
    await vi.waitFor(async () => expect((await center.logs.deliveries(failing.id)).entries.length).toBeGreaterThan(2), { timeout: 10_000 });
    await center.runs.settled((await center.runs.start(failing.id)).id);
    await vi.waitFor(async () => expect((await center.sources.get(quarantined.id)).status).toBe('quarantined'), { timeout: 10_000 });
    await center.push.drained(held.id);
    await center.changes.apply([{ type: 'userDeleted', id: 'zh2' }, { type: 'userDeleted', id: 'zh3' }]);
    await vi.waitFor(async () => expect((await center.push.status(held.id)).hold).not.toBeNull(), { timeout: 10_000 });
    return { failing, quarantined, held };
  }

  /** Opens a page, opens every log entry's details, screenshots it and returns its visible text. */
  async function visit(page: Page, pagePath: string, shot: string): Promise<string> {
    const response = await page.goto(`${host.origin}${MOUNT}${pagePath}`);
    expect(response?.status(), pagePath).toBe(200);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await page.locator('details').evaluateAll((elements) => elements.forEach((element) => element.setAttribute('open', '')));
    await page.screenshot({ path: path.join(SHOTS, `${shot}.png`), fullPage: true });
    return page.locator('body').innerText();
  }
});
