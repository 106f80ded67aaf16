/**
 * The raw ceiling, in its own process: a bare undici client sending what the push sends, with the
 * same concurrency, to the same sink. Its input data (the normalised mirror rows, and for updates
 * the bodies last sent) is prepared before the clock starts; presenting each body, diffing it for
 * a PATCH and serialising it happen inside the clock, as the product has to.
 * The entry of a child process that bench/push.ts starts with startChild(); it only serves tasks.
 */
import { Agent, request } from 'undici';
import { normalizeOrg, normalizeUser } from '../../lib/mirror/normalize.js';
import { orgBody, userBody } from '../../lib/push/bodies.js';
import { diffBodies, patchOperations } from '../../lib/push/diff.js';
import { URN } from '../../lib/scim/urns.js';
import { cpuMeter } from './machine.js';
import { PushDirectory } from './push-directory.js';
import { serveTasks } from './child-tasks.js';
import { bareReconcile, type BareReconcileTask } from './bare-reconcile.js';

export interface BareTask {
  sinkUrl: string;
  users: number;
  orgs: number;
  concurrency: number;
  /** The directory version to send (creates), or to update to from `version - 1` (updates). */
  version: number;
}

export interface BareResult {
  requests: number;
  ms: number;
  /** CPU of this whole process over the timed part. */
  cpuUs: number;
}

const MEDIA_TYPE = 'application/scim+json';
const userRefs = { orgRef: (id: string) => `r-${id}`, managerRef: () => undefined, extensions: { enterprise: true, orgs: true } };

/** One request to send; `body()` runs inside the clock. */
interface Send {
  method: 'POST' | 'PATCH';
  path: string;
  body(): string;
}

async function timed(task: BareTask, sends: Send[]): Promise<BareResult> {
  const agent = new Agent({ connections: task.concurrency, keepAliveTimeout: 30_000 });
  let next = 0;
  const cpu = cpuMeter();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: task.concurrency }, async () => {
      while (next < sends.length) {
        const send = sends[next++]!;
        const response = await request(`${task.sinkUrl}/${send.path}`, {
          method: send.method,
          dispatcher: agent,
          headers: { authorization: 'Bearer bench-token', accept: `${MEDIA_TYPE}, application/json`, 'content-type': MEDIA_TYPE },
          body: send.body(),
        });
        await response.body.json();
        if (response.statusCode >= 300) throw new Error(`${send.method} ${send.path} answered ${response.statusCode}`);
      }
    }),
  );
  const ms = performance.now() - started;
  const cpuUs = cpu().processUs;
  await agent.close();
  return { requests: sends.length, ms, cpuUs };
}

/** Every org, then every user, POSTed. */
function creates(task: BareTask): Send[] {
  const directory = new PushDirectory(task.users, task.orgs);
  directory.version = task.version;
  const sends: Send[] = [];
  for (let index = 0; index < task.orgs; index += 1) {
    const org = normalizeOrg(directory.org(index));
    const parent = org.parentId ? `r-${org.parentId}` : undefined;
    sends.push({ method: 'POST', path: 'Organizations', body: () => JSON.stringify(orgBody(org, 'organization', parent)) });
  }
  for (let index = 0; index < task.users; index += 1) {
    const user = normalizeUser(directory.user(index));
    sends.push({ method: 'POST', path: 'Users', body: () => JSON.stringify(userBody(user, userRefs)) });
  }
  return sends;
}

/** The changed users PATCHed from the body last sent (version - 1) to the new one. */
function updates(task: BareTask): Send[] {
  const directory = new PushDirectory(task.users, task.orgs);
  const sends: Send[] = [];
  for (let index = 0; index < task.users; index += 1) {
    if (!PushDirectory.isChanged(index)) continue;
    const sent = userBody(normalizeUser(directory.user(index, task.version - 1)), userRefs);
    const user = normalizeUser(directory.user(index, task.version));
    sends.push({
      method: 'PATCH',
      path: `Users/r${index}`,
      body: () => JSON.stringify({ schemas: [URN.patchOp], Operations: patchOperations(diffBodies(sent, userBody(user, userRefs))) }),
    });
  }
  return sends;
}

serveTasks({
  create: async (task: BareTask) => timed(task, creates(task)),
  update: async (task: BareTask) => timed(task, updates(task)),
  // Part (r): read the holding sink's copies as the reconciling sync does, PATCH what differs (bare-reconcile.ts).
  reconcile: async (task: BareReconcileTask) => bareReconcile(task),
});
