import express from 'express';
import { describe, expect, it } from 'vitest';
import { createSyncCenter } from '../../../index.js';
import { adminAgent } from '../../support/admin-agent.js';
import { ADMIN_HEADER, MOUNT, useTestCenter } from '../../support/test-center.js';
import { MemoryDirectory } from '../../support/memory-directory.js';

describe('console header: the host\'s links and the signed-in admin', () => {
  const test = useTestCenter({
    admin: {
      isAdmin: (req) => Boolean((req as express.Request).get(ADMIN_HEADER)),
      actor: (req) => String((req as express.Request).get(ADMIN_HEADER)),
      homeUrl: '/acme/home',
      homeLabel: { en: 'Acme console', 'zh-CN': 'Acme 控制台' },
      signOutUrl: 'https://idp.example.com/logout',
    },
  });

  it('links back to the host, names the admin and links the host sign-out, in both languages', async () => {
    const client = adminAgent(test.app, 'alice');
    const en = (await client.get('/').set('accept-language', 'en')).text;
    expect(en).toMatch(/<a class="home-link" href="\/acme\/home">[^<]*<span aria-hidden="true">←<\/span> Acme console<\/a>/);
    expect(en).toContain('title="Signed in as alice">alice</span>');
    expect(en).toContain('<a class="sign-out" href="https://idp.example.com/logout">Sign out</a>');
    const zh = (await client.get('/audit').set('accept-language', 'zh-CN')).text;
    expect(zh).toContain('Acme 控制台</a>');
    expect(zh).toContain('>退出登录</a>');
    expect(zh).toContain('当前用户：alice');
  });

  it('shows none of them when the host gives none', async () => {
    const plain = createSyncCenter({ directory: new MemoryDirectory(), admin: { isAdmin: () => true }, database: { client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true }, secretKey: 'k'.repeat(32), logger: { info() {}, warn() {}, error() {} } });
    try {
      await plain.migrate();
      const app = express().use(MOUNT, plain.router);
      const html = (await adminAgent(app).get('/')).text;
      expect(html).not.toContain('home-link');
      expect(html).not.toContain('sign-out');
      expect(html).not.toContain('account-name');
    } finally {
      await plain.close();
    }
  });
});
