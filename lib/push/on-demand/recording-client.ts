import { PushError } from '../client/errors.js';
import type { ScimClient } from '../client/scim-client.js';

/** One request provisioning on demand made, as its result page shows it. */
export interface OnDemandRequest {
  method: string;
  /** Path and query on the downstream. */
  path: string;
  /** Null when no answer came (a timeout, a refused connection). */
  status: number | null;
  durationMs: number | null;
}

/** The client's methods that only build a request and hand it to `send` (their `this` must be the recorder). */
const SENDING = new Set<PropertyKey>(['create', 'replace', 'patch', 'remove', 'get', 'search', 'list']);

/**
 * The source's own client, seen through a recorder: every request sent through it (look-ups,
 * creates, updates, membership PATCHes) is appended to `requests`, answered or failed. Nothing
 * else changes: same pool, rate limiter and learned update methods, so what on demand does is
 * what a delivery would do. Private state stays on the real client (every other method runs on it).
 */
export function recordingClient(client: ScimClient, requests: OnDemandRequest[]): ScimClient {
  const send = async (method: string, url: string, body?: unknown) => {
    const started = performance.now();
    try {
      const response = await client.send(method, url, body);
      requests.push({ method: response.method, path: response.path, status: response.status, durationMs: response.durationMs });
      return response;
    } catch (error) {
      if (error instanceof PushError) {
        requests.push({ method: error.method ?? method, path: error.path ?? pathOf(url), status: error.status ?? null, durationMs: Math.round(performance.now() - started) });
      }
      throw error;
    }
  };
  const recorder: ScimClient = new Proxy(client, {
    get(target, property) {
      if (property === 'send') return send;
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (value as (...args: unknown[]) => unknown).bind(SENDING.has(property) ? recorder : target);
    },
  });
  return recorder;
}

function pathOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.pathname + parsed.search;
  } catch {
    return url;
  }
}
