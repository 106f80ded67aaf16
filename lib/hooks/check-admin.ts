import type { AdminAccess, HostLabel } from './admin.js';

const LABEL_LOCALES = ['en', 'zh-CN'] as const;
const MAX_LABEL = 100;

/** Validates the `admin` option once, at the factory, and says how to fix what is wrong. */
export function checkAdmin(admin: AdminAccess | undefined): AdminAccess {
  if (typeof admin !== 'object' || admin === null || typeof admin.isAdmin !== 'function') {
    throw new TypeError('createSyncCenter: `admin.isAdmin(req)` is required: return true for administrators, e.g. (req) => req.user?.role === "admin".');
  }
  if (admin.actor !== undefined && typeof admin.actor !== 'function') {
    throw new TypeError('createSyncCenter: `admin.actor` must be a function (req) => string naming the admin for the audit log.');
  }
  if (admin.canView !== undefined && typeof admin.canView !== 'function') {
    throw new TypeError('createSyncCenter: `admin.canView` must be a function (req) => boolean, true for readers, e.g. (req) => req.user?.role === "viewer".');
  }
  if (admin.loginUrl !== undefined && typeof admin.loginUrl !== 'string') {
    throw new TypeError(`createSyncCenter: \`admin.loginUrl\` must be a string, got ${typeof admin.loginUrl}.`);
  }
  checkLinkUrl(admin.homeUrl, 'admin.homeUrl');
  checkLinkUrl(admin.signOutUrl, 'admin.signOutUrl');
  checkLabel(admin.homeLabel, 'admin.homeLabel');
  checkLabel(admin.signOutLabel, 'admin.signOutLabel');
  return admin;
}

/**
 * A link the host gives the console to render as an `href`: an absolute `http(s)://` URL or a
 * path on the host (`/home`). Anything else (`javascript:`, `data:`, `//elsewhere`) is refused,
 * so a configuration mistake can never become a script in the console.
 */
export function checkLinkUrl(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  const fix = `\`${name}\` must be an http(s) URL such as "https://idp.example.com/" or a path such as "/home"`;
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`createSyncCenter: ${fix}.`);
  // No whitespace or control characters: browsers strip them, which is how `java\tscript:` slips through.
  if (/[\s\u0000-\u001f\u007f\\]/.test(value)) throw new TypeError(`createSyncCenter: ${fix}; got ${JSON.stringify(value)}.`);
  if (value.startsWith('/') && !value.startsWith('//')) return value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`createSyncCenter: ${fix}; got ${JSON.stringify(value)}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`createSyncCenter: ${fix}; got ${JSON.stringify(value)}.`);
  return value;
}

/** The label's text for a console language: its own, else the other language's, else undefined (the default). */
export function labelFor(label: HostLabel | undefined, locale: string): string | undefined {
  if (label === undefined) return undefined;
  if (typeof label === 'string') return label;
  return label[locale as (typeof LABEL_LOCALES)[number]] ?? Object.values(label).find((text) => typeof text === 'string' && text !== '');
}

function checkLabel(value: unknown, name: string): void {
  if (value === undefined) return;
  const ok = (text: unknown) => typeof text === 'string' && text.trim() !== '' && text.length <= MAX_LABEL;
  if (typeof value === 'string' ? ok(value) : typeof value === 'object' && value !== null && Object.keys(value).length > 0
      && Object.entries(value).every(([locale, text]) => (LABEL_LOCALES as readonly string[]).includes(locale) && ok(text))) return;
  throw new TypeError(`createSyncCenter: \`${name}\` must be a text of 1 to ${MAX_LABEL} characters, or one per language such as { en: "Home", "zh-CN": "返回首页" }.`);
}
