import type { Awaitable } from './types.js';

/**
 * How the console decides who may use it. The center never reads the host's session itself:
 * it asks these functions with the incoming request (an Express request, typed loosely so that
 * `lib/` stays free of Express).
 */
export interface AdminAccess {
  /** True when the request comes from an administrator allowed to use the console. */
  isAdmin(req: unknown): Awaitable<boolean>;
  /** The name written to the audit log for this admin's actions. Defaults to `admin`. */
  actor?(req: unknown): Awaitable<string>;
  /**
   * Where to send someone who is not signed in. The console redirects there with
   * `?returnTo=<original url>`; without it, non-admins get a 403 page.
   */
  loginUrl?: string;
}
