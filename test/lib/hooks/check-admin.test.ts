import { describe, expect, it } from 'vitest';
import { checkAdmin, checkLinkUrl, labelFor } from '../../../lib/hooks/check-admin.js';

const isAdmin = () => true;

describe('checkAdmin (the admin option)', () => {
  it('accepts the reader hook, header links and labels', () => {
    const admin = { isAdmin, canView: () => true, homeUrl: 'https://idp.example.com/', homeLabel: { en: 'Console', 'zh-CN': '控制台' }, signOutUrl: '/logout', signOutLabel: 'Log out' };
    expect(checkAdmin(admin)).toBe(admin);
  });

  it('refuses a canView that is not a function', () => {
    expect(() => checkAdmin({ isAdmin, canView: true as never })).toThrow(/`admin.canView` must be a function/);
  });

  it.each(['javascript:alert(1)', 'java\tscript:alert(1)', 'data:text/html,x', '//evil.example/', 'ftp://host/', 'home', '', ' /home', '/a\\b'])('refuses the link %j', (url) => {
    expect(() => checkAdmin({ isAdmin, homeUrl: url })).toThrow(/`admin.homeUrl` must be an http\(s\) URL/);
    expect(() => checkAdmin({ isAdmin, signOutUrl: url })).toThrow(/`admin.signOutUrl`/);
  });

  it('accepts http(s) URLs and paths', () => {
    for (const url of ['https://idp.example.com/home', 'http://127.0.0.1:3000/', '/', '/logout?next=/']) expect(checkLinkUrl(url, 'x')).toBe(url);
  });

  it('refuses empty, too long or unknown-language labels', () => {
    expect(() => checkAdmin({ isAdmin, homeLabel: '' })).toThrow(/`admin.homeLabel` must be a text/);
    expect(() => checkAdmin({ isAdmin, homeLabel: 'x'.repeat(101) })).toThrow(/`admin.homeLabel`/);
    expect(() => checkAdmin({ isAdmin, signOutLabel: { fr: 'Quitter' } as never })).toThrow(/`admin.signOutLabel`/);
    expect(() => checkAdmin({ isAdmin, signOutLabel: {} })).toThrow(/`admin.signOutLabel`/);
  });
});

describe('labelFor', () => {
  it("picks the page's language, then the other one, then nothing", () => {
    expect(labelFor('Home', 'zh-CN')).toBe('Home');
    expect(labelFor({ en: 'Home', 'zh-CN': '首页' }, 'zh-CN')).toBe('首页');
    expect(labelFor({ en: 'Home' }, 'zh-CN')).toBe('Home');
    expect(labelFor(undefined, 'en')).toBeUndefined();
  });
});
