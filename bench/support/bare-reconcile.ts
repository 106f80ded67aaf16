/**
 * The bare client of part (r): what a reconciling manual sync has to do at the least, with a bare
 * undici client in its own process (bare-client.ts serves it as the task 'reconcile'). It reads
 * the holding sink's copies with the product's requests — orgs a tree level at a time, then
 * users in id order, in pages of `pageSize`, `filter=id eq "…" or …` over 50 ids a request with
 * the body's `attributes`, `concurrency` requests in flight — compares each copy with the body it
 * expects (the same comparison the product makes, diff.ts), and PATCHes what differs.
 *
 * Prepared before the clock: the normalised mirror rows and the remote ids (the sink's index,
 * as the product's links are in its database). Inside the clock: building every expected body,
 * the filters, reading and parsing the answers, comparing, and the PATCHes. Unlike the product
 * it has no page barrier: the next read goes as soon as a slot is free.
 */
import { Agent, request } from 'undici';
import { normalizeOrg, normalizeUser, type MirrorOrgData, type MirrorUserData } from '../../lib/mirror/normalize.js';
import { orgBody, userBody, type ScimBody } from '../../lib/push/bodies.js';
import { observedChanges, patchOperations } from '../../lib/push/diff.js';
import { READ_CHUNK } from '../../lib/push/remote-reader.js';
import { URN } from '../../lib/scim/urns.js';
import { heldIndex } from './holding-sink.js';
import { cpuMeter } from './machine.js';
import { PushDirectory } from './push-directory.js';

export interface BareReconcileTask {
  sinkUrl: string;
  users: number;
  orgs: number;
  concurrency: number;
  /** The product's page size: reads are chunked within its pages. */
  pageSize: number;
}

export interface BareReconcileResult {
  /** Filtered listings sent. */
  reads: number;
  patches: number;
  /** Objects read and compared. */
  objects: number;
  ms: number;
  /** CPU of this whole process over the timed part. */
  cpuUs: number;
}

const MEDIA_TYPE = 'application/scim+json';
const HEADERS = { authorization: 'Bearer bench-token', accept: `${MEDIA_TYPE}, application/json` };

/** One filtered read: the linked objects it asks for, with what each should hold. */
interface Chunk {
  endpoint: 'Users' | 'Organizations';
  items: Array<{ remoteId: string; body(): ScimBody }>;
}

export async function bareReconcile(task: BareReconcileTask): Promise<BareReconcileResult> {
  const chunks = await chunksOf(task);
  const agent = new Agent({ connections: task.concurrency, keepAliveTimeout: 30_000 });
  let next = 0;
  let patches = 0;
  let objects = 0;
  const cpu = cpuMeter();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: task.concurrency }, async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++]!;
        const expected = new Map(chunk.items.map((item) => [item.remoteId, item.body()]));
        const query = new URLSearchParams({
          startIndex: '1',
          count: String(expected.size),
          filter: [...expected.keys()].map((id) => `id eq ${JSON.stringify(id)}`).join(' or '),
          attributes: attributesOf(expected.values()).join(','),
        });
        const response = await request(`${task.sinkUrl}/${chunk.endpoint}?${query}`, { method: 'GET', dispatcher: agent, headers: HEADERS });
        const page = (await response.body.json()) as { Resources?: Array<Record<string, unknown>> };
        if (response.statusCode !== 200) throw new Error(`GET ${chunk.endpoint} answered ${response.statusCode}`);
        const resources = page.Resources ?? [];
        if (resources.length !== expected.size) throw new Error(`${chunk.endpoint}: ${resources.length} of ${expected.size} copies read`);
        for (const resource of resources) {
          const id = resource.id as string;
          const body = expected.get(id);
          if (!body) throw new Error(`${chunk.endpoint}: ${id} was not asked for`);
          objects += 1;
          const { changes } = observedChanges(body, resource, undefined);
          if (Object.keys(changes).length === 0) continue;
          const patch = await request(`${task.sinkUrl}/${chunk.endpoint}/${encodeURIComponent(id)}`, {
            method: 'PATCH',
            dispatcher: agent,
            headers: { ...HEADERS, 'content-type': MEDIA_TYPE },
            body: JSON.stringify({ schemas: [URN.patchOp], Operations: patchOperations(changes) }),
          });
          await patch.body.json();
          if (patch.statusCode >= 300) throw new Error(`PATCH ${chunk.endpoint}/${id} answered ${patch.statusCode}`);
          patches += 1;
        }
      }
    }),
  );
  const ms = performance.now() - started;
  const cpuUs = cpu().processUs;
  await agent.close();
  return { reads: chunks.length, patches, objects, ms, cpuUs };
}

/** Orgs a tree level at a time (parents first), then users in id order; each in pages, each page in chunks of READ_CHUNK. */
async function chunksOf(task: BareReconcileTask): Promise<Chunk[]> {
  const held = await heldIndex(task.sinkUrl);
  const orgRemote = held.Organizations ?? {};
  const userRemote = held.Users ?? {};
  const remoteOf = (ids: Record<string, string>, localId: string) => {
    const remoteId = ids[localId];
    if (remoteId === undefined) throw new Error(`the sink holds no copy of ${localId}`);
    return remoteId;
  };
  const directory = new PushDirectory(task.users, task.orgs);
  const orgs = Array.from({ length: task.orgs }, (_, index) => normalizeOrg(directory.org(index)));
  const users = Array.from({ length: task.users }, (_, index) => normalizeUser(directory.user(index)));
  const refs = { orgRef: (id: string) => orgRemote[id], managerRef: () => undefined, extensions: { enterprise: true, orgs: true } };
  const orgItem = (org: MirrorOrgData) => ({ remoteId: remoteOf(orgRemote, org.id), body: () => orgBody(org, 'organization', org.parentId ? orgRemote[org.parentId] : undefined) });
  const userItem = (user: MirrorUserData) => ({ remoteId: remoteOf(userRemote, user.id), body: () => userBody(user, refs) });
  const chunks: Chunk[] = [];
  const add = <T>(endpoint: Chunk['endpoint'], rows: readonly T[], item: (row: T) => Chunk['items'][number]) => {
    for (let page = 0; page < rows.length; page += task.pageSize) {
      const pageRows = rows.slice(page, page + task.pageSize);
      for (let start = 0; start < pageRows.length; start += READ_CHUNK) chunks.push({ endpoint, items: pageRows.slice(start, start + READ_CHUNK).map(item) });
    }
  };
  for (const level of treeLevels(orgs)) add('Organizations', level, orgItem);
  add('Users', [...users].sort((a, b) => (a.id < b.id ? -1 : 1)), userItem);
  return chunks;
}

/** Orgs by depth: roots, their children, and so on. */
function treeLevels(orgs: readonly MirrorOrgData[]): MirrorOrgData[][] {
  const byId = new Map(orgs.map((org) => [org.id, org]));
  const depth = (org: MirrorOrgData): number => (org.parentId && byId.has(org.parentId) ? 1 + depth(byId.get(org.parentId)!) : 0);
  const levels: MirrorOrgData[][] = [];
  for (const org of orgs) (levels[depth(org)] ??= []).push(org);
  return levels;
}

/** The attributes a read asks for: every one the bodies carry, extension attributes by their full names (as the product asks). */
function attributesOf(bodies: Iterable<ScimBody>): string[] {
  const names = new Set<string>();
  for (const body of bodies) {
    for (const [key, value] of Object.entries(body)) {
      if (key === 'schemas') continue;
      if (key.startsWith('urn:') && typeof value === 'object' && value !== null && !Array.isArray(value)) for (const sub of Object.keys(value)) names.add(`${key}:${sub}`);
      else names.add(key);
    }
  }
  return [...names].sort();
}
