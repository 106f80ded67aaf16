import { spawnSink, type Sink, type SinkStats } from '../scim-sink.js';

/** Every DRIFT_EVERY-th stored object is changed by drift(): 1 %. */
export const DRIFT_EVERY = 100;

export interface HoldingSinkStats extends SinkStats {
  /** GETs of filtered listings (`filter=id eq … or …`), the reads a reconciling sync pages with. */
  filteredReads: number;
  /** From the first request after the reset to the last answer (ms). */
  openMs: number;
  /** Of openMs, the time no request was open at the sink: the downstream waited for the client. */
  idleMs: number;
}

/** externalId → the sink's id, per endpoint (`Users`, `Organizations`). */
export type HeldIndex = Record<string, Record<string, string>>;

export interface HoldingSink extends Sink {
  stats(): Promise<HoldingSinkStats>;
  /**
   * Changes the displayName of every DRIFT_EVERY-th stored object (the downstream drifted away
   * from what was sent); returns how many. A reconciling sync must PATCH exactly these back.
   */
  drift(): Promise<number>;
  /** How many of the objects the last drift() changed still differ from what they held before it (attribute order aside). */
  differing(): Promise<number>;
}

/**
 * A SCIM sink that keeps what it is sent (in its own process, so its memory is not the
 * center's): POST stores, PATCH/PUT/DELETE change, GET answers by id and for listings, with
 * `filter=id eq "…" or id eq "…"` and startIndex/count (at most 100 a page), as a downstream
 * that already holds the objects a reconciling manual sync reads. `attributes` is accepted and
 * ignored (whole resources come back), as many servers do. Stats as in scim-sink.ts; 'reset'
 * clears the counters only, the stored objects stay.
 *
 * The benchmark's own calls live under /bench/ and are not counted: POST /bench/drift,
 * GET /bench/differing, GET /bench/index (externalId → id per endpoint, for the bare client).
 */
const HOLDING_SINK_CODE = `
const http = require('node:http');
let stats, next = 0;
function reset() { stats = { writes: 0, reads: 0, filteredReads: 0, throttled: 0, accepted: 0, firstAcceptedAt: 0, lastAcceptedAt: 0, firstWindow: 0, lastWindow: 0, distinctExternalIds: 0, arrivals: {}, openMs: 0, idleMs: 0 }; idleSince = 0; }
// Time with no request open at the sink, from the first request after a reset to the last answer:
// what of a run the downstream waited for the client.
let open = 0, idleSince = 0, lastAnswer = 0;
function opened() {
  const now = performance.now();
  if (open === 0 && idleSince > 0) stats.idleMs += now - idleSince;
  if (stats.openMs === 0 && stats.reads + stats.writes === 0) stats.openMs = -now;
  open++;
}
function answered() {
  open--;
  lastAnswer = performance.now();
  if (open === 0) idleSince = lastAnswer;
}

reset();
const stores = new Map();
const storeOf = (endpoint) => stores.get(endpoint) || stores.set(endpoint, new Map()).get(endpoint);
// What the last drift changed: endpoint → id → the text before it.
let drifted = new Map();
function canonical(value) {
  if (Array.isArray(value)) return '[' + value.map(canonical).join(',') + ']';
  if (value && typeof value === 'object') return '{' + Object.keys(value).sort().map((key) => JSON.stringify(key) + ':' + canonical(value[key])).join(',') + '}';
  return JSON.stringify(value);
}
function drift() {
  drifted = new Map();
  let count = 0;
  for (const [endpoint, store] of stores) {
    const before = new Map();
    let index = 0;
    for (const [id, text] of store) {
      if (index++ % ${DRIFT_EVERY} !== 7) continue;
      const resource = JSON.parse(text);
      if (typeof resource.displayName !== 'string') continue;
      before.set(id, text);
      resource.displayName = 'Drifted ' + resource.displayName;
      store.set(id, JSON.stringify(resource));
      count++;
    }
    drifted.set(endpoint, before);
  }
  return count;
}
function differing() {
  let count = 0;
  for (const [endpoint, before] of drifted) {
    const store = storeOf(endpoint);
    for (const [id, text] of before) if (!store.has(id) || canonical(JSON.parse(store.get(id))) !== canonical(JSON.parse(text))) count++;
  }
  return count;
}
function bench(req, res, url) {
  if (url.pathname === '/bench/drift' && req.method === 'POST') return send(res, 200, JSON.stringify({ drifted: drift() }));
  if (url.pathname === '/bench/differing') return send(res, 200, JSON.stringify({ differing: differing() }));
  if (url.pathname === '/bench/index') {
    const index = {};
    for (const [endpoint, store] of stores) {
      const ids = (index[endpoint] = {});
      for (const [id, text] of store) ids[JSON.parse(text).externalId] = id;
    }
    return send(res, 200, JSON.stringify(index));
  }
  send(res, 404, '{"status":"404"}');
}
const spc = JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'], patch: { supported: true }, filter: { supported: true, maxResults: 100 } });
function send(res, status, text) { res.writeHead(status, { 'content-type': 'application/scim+json' }); res.end(text); }
function list(res, resources, startIndex, total) {
  send(res, 200, '{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":' + total + ',"startIndex":' + startIndex + ',"itemsPerPage":' + resources.length + ',"Resources":[' + resources.join(',') + ']}');
}
function apply(resource, op) {
  const path = op.path || '';
  const urn = /^(urn:.+):([^:]+)$/.exec(path);
  const dot = !urn && path.indexOf('.');
  const container = urn ? (resource[urn[1]] = resource[urn[1]] || {}) : dot > 0 ? (resource[path.slice(0, dot)] = resource[path.slice(0, dot)] || {}) : resource;
  const key = urn ? urn[2] : dot > 0 ? path.slice(dot + 1) : path;
  if (String(op.op).toLowerCase() === 'remove') delete container[key]; else container[key] = op.value;
}
const server = http.createServer((req, res) => {
  if (!req.url.startsWith('/bench/')) { opened(); res.on('finish', answered); }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname.startsWith('/bench/')) return bench(req, res, url);
    const parts = url.pathname.replace(/^\\/scim\\/v2\\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
    const [endpoint, id] = parts;
    if (req.method === 'GET') {
      stats.reads++;
      if (endpoint === 'ServiceProviderConfig') return send(res, 200, spc);
      if (endpoint === 'ResourceTypes') { res.writeHead(404); return res.end(); }
      const store = storeOf(endpoint);
      if (id) return store.has(id) ? send(res, 200, store.get(id)) : send(res, 404, '{"status":"404"}');
      const startIndex = Math.max(1, Number(url.searchParams.get('startIndex') || 1));
      const count = Math.min(100, Number(url.searchParams.get('count') || 100));
      const filter = url.searchParams.get('filter');
      if (filter) {
        stats.filteredReads++;
        const ids = [...filter.matchAll(/id eq "([^"]*)"/g)].map((match) => match[1]);
        const found = ids.filter((wanted) => store.has(wanted)).map((wanted) => store.get(wanted));
        return list(res, found.slice(startIndex - 1, startIndex - 1 + count), startIndex, found.length);
      }
      const page = [];
      let index = 0;
      for (const text of store.values()) { if (index >= startIndex - 1 + count) break; if (index >= startIndex - 1) page.push(text); index++; }
      return list(res, page, startIndex, store.size);
    }
    stats.writes++;
    stats.accepted++;
    const store = storeOf(endpoint);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
    if (req.method === 'POST') {
      const created = Object.assign({}, body, { id: 'r' + (++next) });
      stats.distinctExternalIds++;
      store.set(created.id, JSON.stringify(created));
      return send(res, 201, store.get(created.id));
    }
    if (!id || !store.has(id)) return send(res, 404, '{"status":"404"}');
    if (req.method === 'DELETE') { store.delete(id); res.writeHead(204); return res.end(); }
    const resource = req.method === 'PUT' ? Object.assign({}, body, { id }) : JSON.parse(store.get(id));
    if (req.method === 'PATCH') for (const op of body.Operations || []) apply(resource, op);
    store.set(id, JSON.stringify(resource));
    send(res, 200, store.get(id));
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'stats') process.send({ stats: Object.assign({}, stats, { openMs: stats.openMs < 0 ? lastAnswer + stats.openMs : 0 }) });
  if (message === 'reset') { reset(); process.send({ reset: true }); }
  if (message === 'close') { server.closeAllConnections(); server.close(() => process.send({ closed: true })); }
});
`;

export async function startHoldingSink(): Promise<HoldingSink> {
  const sink = await spawnSink(HOLDING_SINK_CODE, {});
  const origin = new URL(sink.url).origin;
  const call = async <T>(method: string, path: string, key: string): Promise<T> => {
    const response = await fetch(`${origin}/bench/${path}`, { method });
    return ((await response.json()) as Record<string, T>)[key]!;
  };
  return {
    ...sink,
    stats: () => sink.stats() as Promise<HoldingSinkStats>,
    drift: () => call<number>('POST', 'drift', 'drifted'),
    differing: () => call<number>('GET', 'differing', 'differing'),
  };
}

/** What the sink holds, externalId → id per endpoint: the bare client's input (fetched before its clock starts). */
export async function heldIndex(sinkUrl: string): Promise<HeldIndex> {
  const response = await fetch(`${new URL(sinkUrl).origin}/bench/index`);
  return (await response.json()) as HeldIndex;
}
