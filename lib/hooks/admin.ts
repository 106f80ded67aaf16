import type { Awaitable } from './types.js';

/** A text the host gives the console: one string for every language, or one per console language. */
export type HostLabel = string | Partial<Record<'en' | 'zh-CN', string>>;

/**
 * How the console decides who may use it, and the host's links in its header. The center never
 * reads the host's session itself: it asks these functions with the incoming request (an Express
 * request, typed loosely so that `lib/` stays free of Express).
 *
 * Two roles: an admin (`isAdmin`) uses everything; a reader (`canView`) sees every page, log and
 * export but is shown no form that changes anything, and the server refuses their changes (403).
 */
export interface AdminAccess {
  /** True when the request comes from an administrator allowed to use the console. */
  isAdmin(req: unknown): Awaitable<boolean>;
  /**
   * True when the request may read the console without changing anything (the reader role).
   * Asked only when `isAdmin` said no. @default absent: only admins see the console
   */
  canView?(req: unknown): Awaitable<boolean>;
  /** The name written to the audit log for this admin's actions, and shown in the console header. @default 'admin' (a reader: 'reader'), not shown */
  actor?(req: unknown): Awaitable<string>;
  /**
   * Where to send someone who is not signed in. The console redirects there with
   * `?returnTo=<original url>`; without it, non-admins get a 403 page.
   */
  loginUrl?: string;
  /** The host's own home page, linked first in the console header: the way back from the embedded console. An `http(s)://` URL or a path. @default no link */
  homeUrl?: string;
  /** The text of the home link. @default 'Home' / '返回首页' */
  homeLabel?: HostLabel;
  /**
   * The host's sign-out page, linked in the header next to the signed-in name. It is a plain link
   * (GET): a host whose sign-out is a POST links a page of its own with that form. An `http(s)://`
   * URL or a path. @default no link
   */
  signOutUrl?: string;
  /** The text of the sign-out link. @default 'Sign out' / '退出登录' */
  signOutLabel?: HostLabel;
}
