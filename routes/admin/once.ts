import type { Request, Response } from 'express';
import { SecretBoxError } from '../../lib/errors.js';
import type { PullCredentials } from '../../lib/sources/source-types.js';
import type { SecretBox } from '../../lib/util/secret-box.js';

const ONCE_COOKIE = 'ssc_once';
const ONCE_TTL_MS = 10 * 60 * 1000;

/**
 * Freshly generated pull credentials cross one redirect (POST → 303 → GET) in a short-lived,
 * encrypted, http-only cookie of ours, and are deleted the first time the page shows them. So a
 * reload never re-creates a source, and nothing keeps them on the server.
 */
export function keepOnce(req: Request, res: Response, box: SecretBox, sourceId: string, credentials: PullCredentials): void {
  const sealed = box.sealJson({ credentials, exp: Date.now() + ONCE_TTL_MS }, onceContext(req, sourceId));
  res.cookie(ONCE_COOKIE, sealed, { path: req.baseUrl || '/', httpOnly: true, sameSite: 'strict', secure: req.secure, maxAge: ONCE_TTL_MS });
}

/** The credentials kept for this source, once; undefined when there are none (or they expired). */
export function takeOnce(req: Request, res: Response, box: SecretBox, sourceId: string): PullCredentials | undefined {
  const sealed: unknown = req.cookies?.[ONCE_COOKIE];
  if (typeof sealed !== 'string' || !sealed) return undefined;
  let kept: { credentials: PullCredentials; exp: number };
  try {
    kept = box.openJson(sealed, onceContext(req, sourceId));
  } catch (error) {
    // Another source's (or an older key's) cookie: not ours to show here, and not ours to clear.
    if (error instanceof SecretBoxError) return undefined;
    throw error;
  }
  res.clearCookie(ONCE_COOKIE, { path: req.baseUrl || '/', httpOnly: true, sameSite: 'strict', secure: req.secure });
  return kept.exp > Date.now() ? kept.credentials : undefined;
}

/** Bound to the source and the admin, so the cookie opens nowhere else. */
function onceContext(req: Request, sourceId: string): string {
  return `ssc-once:${sourceId}:${String(req.res?.locals.actor ?? '')}`;
}
