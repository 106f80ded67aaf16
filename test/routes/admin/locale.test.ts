import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { adminAgent } from '../../support/admin-agent.js';
import { startWizard } from '../../support/wizard-driver.js';
import { ADMIN_HEADER, MOUNT, useTestCenter } from '../../support/test-center.js';

describe('console language', () => {
  const test = useTestCenter();

  it('follows Accept-Language, Chinese by default, with the reference labels', async () => {
    const en = await request(test.app).get(`${MOUNT}/`).set(ADMIN_HEADER, 'a').set('accept-language', 'en-GB,en;q=0.9');
    expect(en.text).toContain('<html lang="en">');
    expect(en.text).toContain('New downstream sync');
    const zh = await request(test.app).get(`${MOUNT}/`).set(ADMIN_HEADER, 'a');
    expect(zh.text).toContain('<html lang="zh-CN">');
    expect(zh.text).toContain('新建下游同步');
    expect(zh.text).toContain('同步中心');
  });

  it('prefers the remembered choice, then Accept-Language, then Chinese', async () => {
    const langOf = async (headers: Record<string, string>) => /<html lang="([^"]+)">/.exec((await request(test.app).get(`${MOUNT}/`).set(ADMIN_HEADER, 'a').set(headers)).text)?.[1];
    expect(await langOf({ cookie: 'ssc_locale=en', 'accept-language': 'zh-CN' })).toBe('en');
    expect(await langOf({ 'accept-language': 'fr;q=0.9, en-GB;q=0.8, zh;q=0.1' })).toBe('en');
    expect(await langOf({ 'accept-language': 'zh-TW,en;q=0.5' })).toBe('zh-CN');
    expect(await langOf({ cookie: 'ssc_locale=xx' })).toBe('zh-CN');
  });

  it('switches with the switcher, remembers the choice in ssc_locale and goes back to the page', async () => {
    const client = adminAgent(test.app);
    const res = await client.post('/locale', { lang: 'en', returnTo: `${MOUNT}/new` });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${MOUNT}/new`);
    expect((res.headers['set-cookie'] as unknown as string[] | undefined)?.join(';')).toMatch(new RegExp(`ssc_locale=en; Max-Age=\\d+; Path=${MOUNT}`));
    const page = await client.get('/new').set('accept-language', 'zh-CN');
    expect(page.text).toContain('Not supported yet');
    await client.post('/locale', { lang: 'zh-CN', returnTo: `${MOUNT}/` });
    expect((await client.get('/').set('accept-language', 'en')).text).toContain('下游同步');
  });

  it('never redirects outside the center', async () => {
    const client = adminAgent(test.app);
    for (const returnTo of ['https://evil.example/', '//evil.example/', '/other-app', `${MOUNT}\\..\\x`]) {
      const res = await client.post('/locale', { lang: 'en', returnTo });
      expect(res.headers.location, returnTo).toBe(`${MOUNT}/`);
    }
  });

  it('translates validation codes', async () => {
    const client = adminAgent(test.app);
    await client.post('/locale', { lang: 'zh-CN', returnTo: `${MOUNT}/` });
    const wizard = await startWizard(client, { name: '' });
    const res = await wizard.get('basics');
    expect(res.text).toContain('此项为必填项。');
  });
});
