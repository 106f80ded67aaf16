import { spawn } from 'node:child_process';

/**
 * A minimal, fast SCIM sink (plain node `http`) in a child process, so that it runs on the other
 * core while the center or the raw client runs here, and its memory is not counted in the
 * center's RSS. It answers like a downstream that accepts everything, optionally throttles above a
 * fixed rate (429 + Retry-After), and reports what it saw.
 */
export interface SinkOptions {
  /** Requests per wall-clock second accepted; above it, 429 with Retry-After: 1. 0: no limit. */
  ratePerSecond?: number;
  /** Record the arrival time of every write, keyed by the body's externalId. */
  recordArrivals?: boolean;
}

export interface SinkStats {
  writes: number;
  reads: number;
  throttled: number;
  accepted: number;
  firstAcceptedAt: number;
  lastAcceptedAt: number;
  /** The sink's one-second rate windows (Date.now() / 1000, floored) of the first and last request, any answer. */
  firstWindow: number;
  lastWindow: number;
  distinctExternalIds: number;
  arrivals: Record<string, number>;
}

export interface Sink {
  url: string;
  stats(): Promise<SinkStats>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

const SINK_CODE = `
const http = require('node:http');
const workerData = JSON.parse(process.env.SINK_OPTIONS || '{}');
let stats, seen, next = 0;
function reset() {
  stats = { writes: 0, reads: 0, throttled: 0, accepted: 0, firstAcceptedAt: 0, lastAcceptedAt: 0, firstWindow: 0, lastWindow: 0, distinctExternalIds: 0, arrivals: {} };
  seen = new Set();
}
reset();
let windowSecond = 0, windowCount = 0;
const rate = workerData.ratePerSecond || 0;
const spc = JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'], patch: { supported: true }, filter: { supported: true, maxResults: 100 } });
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const now = Date.now();
    if (!stats.firstWindow) stats.firstWindow = Math.floor(now / 1000);
    stats.lastWindow = Math.floor(now / 1000);
    if (rate > 0) {
      const second = Math.floor(now / 1000);
      if (second !== windowSecond) { windowSecond = second; windowCount = 0; }
      if (windowCount >= rate) {
        stats.throttled++;
        res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/scim+json' });
        res.end('{"status":"429","detail":"slow down"}');
        return;
      }
      windowCount++;
    }
    if (req.method === 'GET') {
      stats.reads++;
      if (req.url.endsWith('/ServiceProviderConfig')) { res.writeHead(200, { 'content-type': 'application/scim+json' }); res.end(spc); return; }
      if (req.url.includes('/ResourceTypes')) { res.writeHead(404); res.end(); return; }
      res.writeHead(200, { 'content-type': 'application/scim+json' });
      res.end('{"totalResults":0,"Resources":[]}');
      return;
    }
    stats.writes++;
    stats.accepted++;
    if (!stats.firstAcceptedAt) stats.firstAcceptedAt = now;
    stats.lastAcceptedAt = now;
    const body = Buffer.concat(chunks).toString();
    const match = /"externalId":"([^"]*)"/.exec(body);
    if (match) {
      if (!seen.has(match[1])) { seen.add(match[1]); stats.distinctExternalIds++; }
      if (workerData.recordArrivals) stats.arrivals[match[1]] = now;
    }
    if (req.method === 'DELETE') { res.writeHead(204); res.end(); return; }
    const id = 'r' + (++next);
    res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/scim+json' });
    res.end('{"id":"' + id + '"}');
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'stats') process.send({ stats });
  if (message === 'reset') { reset(); process.send({ reset: true }); }
  if (message === 'close') { server.closeAllConnections(); server.close(() => process.send({ closed: true })); }
});
`;

export async function startSink(options: SinkOptions = {}): Promise<Sink> {
  return spawnSink(SINK_CODE, options);
}

/**
 * Runs a sink's code in a child process that listens on 127.0.0.1, sends `{ port }` when ready
 * and answers the IPC messages 'stats', 'reset' and 'close' (also used by holding-sink.ts).
 */
export async function spawnSink(code: string, options: object): Promise<Sink> {
  const worker = spawn(process.execPath, ['-e', code], {
    env: { ...process.env, SINK_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = <T>(message: string, key: string) =>
    new Promise<T>((resolve) => {
      const listener = (reply: Record<string, unknown>) => {
        if (key in reply) {
          worker.off('message', listener);
          resolve(reply[key] as T);
        }
      };
      worker.on('message', listener);
      worker.send(message);
    });
  const port = await new Promise<number>((resolve) => worker.once('message', (message: { port: number }) => resolve(message.port)));
  return {
    url: `http://127.0.0.1:${port}/scim/v2`,
    stats: () => ask<SinkStats>('stats', 'stats'),
    reset: async () => {
      await ask('reset', 'reset');
    },
    close: async () => {
      await ask('close', 'closed');
      worker.kill();
    },
  };
}
