/**
 * The pull benchmark's client, in its own process so that it does not share the server's event
 * loop: bench/scim-pull.ts starts it with startChild() and sends it tasks. It only serves tasks.
 */
import { Pool } from 'undici';
import { serveTasks } from './child-tasks.js';

let pool: Pool | undefined;
let auth: Record<string, string> = {};

async function get(pathname: string, headers: Record<string, string>): Promise<string> {
  const response = await pool!.request({ method: 'GET', path: pathname, headers });
  const body = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`${pathname} → ${response.statusCode}: ${body.slice(0, 200)}`);
  return body;
}

const headersFor = (route: 'scim' | 'bare') => (route === 'scim' ? auth : {});

/** The `userName eq` lookup of user n, through SCIM or through the bare route. */
function lookupPath(route: 'scim' | 'bare', n: number): string {
  const userName = `USER${n}@example.com`;
  return route === 'scim' ? `/sync/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}` : `/bare/Users?userName=${encodeURIComponent(userName)}`;
}

serveTasks({
  async connect(task: { origin: string; token: string; connections: number }) {
    pool = new Pool(task.origin, { connections: task.connections });
    auth = { authorization: `Bearer ${task.token}` };
    return null;
  },
  /** Lookups per second with `clients` concurrent clients. */
  async lookups(task: { route: 'scim' | 'bare'; clients: number; perClient: number; users: number }) {
    const started = performance.now();
    await Promise.all(
      Array.from({ length: task.clients }, async (_, client) => {
        for (let i = 0; i < task.perClient; i += 1) await get(lookupPath(task.route, (client * 7919 + i * 104_729) % task.users), headersFor(task.route));
      }),
    );
    return (task.clients * task.perClient) / ((performance.now() - started) / 1000);
  },
  /** Sequential GETs of one path: each one's latency in ms (with another source's token when given). */
  async latencies(task: { path: string; samples: number; token?: string }) {
    const headers = task.token ? { authorization: `Bearer ${task.token}` } : auth;
    const samples: number[] = [];
    for (let i = 0; i < task.samples; i += 1) {
      const started = performance.now();
      await get(task.path, headers);
      samples.push(performance.now() - started);
    }
    return samples;
  },
  /**
   * Sequential GETs of several paths, alternating request by request (the first path rotating
   * each sample), so that every path is sampled under the same load: each path's latencies in ms.
   */
  async alternatingLatencies(task: { paths: string[]; samples: number; token?: string }) {
    const headers = task.token ? { authorization: `Bearer ${task.token}` } : auth;
    const samples: number[][] = task.paths.map(() => []);
    for (let i = 0; i < task.samples; i += 1) {
      for (let step = 0; step < task.paths.length; step += 1) {
        const index = (i + step) % task.paths.length;
        const started = performance.now();
        await get(task.paths[index]!, headers);
        samples[index]!.push(performance.now() - started);
      }
    }
    return samples;
  },
  /** Walks `path` by RFC 9865 cursor and returns, for each of `marks` (ascending row counts), the cursor of the page that starts after that many rows. */
  async cursorsAfter(task: { path: string; marks: number[]; token?: string }) {
    const headers = task.token ? { authorization: `Bearer ${task.token}` } : auth;
    const cursors: string[] = [];
    let seen = 0;
    let cursor = '';
    for (const mark of task.marks) {
      while (seen < mark) {
        const count = Math.min(1000, mark - seen);
        const page = JSON.parse(await get(`${task.path}${task.path.includes('?') ? '&' : '?'}cursor=${cursor}&count=${count}&attributes=id`, headers));
        seen += (page.Resources as unknown[]).length;
        if (!page.nextCursor) throw new Error(`${task.path} ended after ${seen} rows, before ${mark}`);
        cursor = page.nextCursor;
      }
      cursors.push(cursor);
    }
    return cursors;
  },
  async json(task: { path: string }) {
    return JSON.parse(await get(task.path, auth));
  },
  /** Pages through every user by startIndex, or by cursor; returns how many came back. */
  async pageAll(task: { users: number; count: number; by?: 'index' | 'cursor' }) {
    let seen = 0;
    if (task.by === 'cursor') {
      for (let cursor: string | undefined = ''; cursor !== undefined; ) {
        const page = JSON.parse(await get(`/sync/scim/v2/Users?cursor=${cursor}&count=${task.count}`, auth));
        seen += (page.Resources as unknown[]).length;
        cursor = page.nextCursor;
      }
      return seen;
    }
    for (let startIndex = 1; startIndex <= task.users; startIndex += task.count) {
      seen += (JSON.parse(await get(`/sync/scim/v2/Users?startIndex=${startIndex}&count=${task.count}`, auth)).Resources as unknown[]).length;
    }
    return seen;
  },
});
