import type express from 'express';
import request from 'supertest';
import { ADMIN_HEADER, MOUNT } from './test-center.js';

export type Agent = ReturnType<typeof request.agent>;

/**
 * A browser-like client for the console: keeps our cookies (CSRF, language, one-time
 * credentials) and sends the test admin header on every request.
 */
export function adminAgent(app: express.Express, admin = 'alice'): { agent: Agent; get: (path: string) => request.Test; post: (path: string, form: Record<string, string | string[]>, lang?: string) => Promise<request.Response>; csrf: () => Promise<string> } {
  const agent = request.agent(app);
  let token = '';
  const get = (path: string) => agent.get(`${MOUNT}${path}`).set(ADMIN_HEADER, admin);
  const csrf = async () => {
    if (!token) token = csrfTokenOf((await get('/')).text);
    return token;
  };
  /** Posts a form with the page's CSRF token, in `lang` when given (as Accept-Language). */
  const post = async (path: string, form: Record<string, string | string[]>, lang?: string) => {
    // The agent attaches cookies when a request is created, so fetch the token (and its cookie) first.
    const _csrf = await csrf();
    const pending = agent.post(`${MOUNT}${path}`).set(ADMIN_HEADER, admin);
    if (lang) pending.set('accept-language', lang);
    return pending.type('form').send(encodeForm({ _csrf, ...form }));
  };
  return { agent, get, post, csrf };
}

export function csrfTokenOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF token in the page');
  return match[1]!;
}

/** Repeated keys for arrays, like a browser sends checkboxes. */
export function encodeForm(form: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(form)) {
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, item);
  }
  return params.toString();
}
