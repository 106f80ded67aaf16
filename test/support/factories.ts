import type { Knex } from 'knex';
import type { DirectoryOrg, DirectoryUser } from '../../lib/hooks/directory.js';
import type { ObjectKind } from '../../lib/mirror/mirror-rows.js';
import { MirrorReader } from '../../lib/mirror/mirror-reader.js';
import { LinkStore } from '../../lib/push/links-store.js';
import { RunStore, type Run, type RunKind, type RunStatus } from '../../lib/runs/run-store.js';

let counter = 0;
function next(): number {
  counter += 1;
  return counter;
}

export function buildUser(overrides: Partial<DirectoryUser> = {}): DirectoryUser {
  const n = next();
  return {
    id: `u${n}`,
    userName: `user${n}@example.com`,
    displayName: `User ${n}`,
    name: { givenName: 'User', familyName: String(n) },
    emails: [{ value: `user${n}@example.com`, type: 'work', primary: true }],
    active: true,
    ...overrides,
  };
}

export function buildOrg(overrides: Partial<DirectoryOrg> = {}): DirectoryOrg {
  const n = next();
  return { id: `o${n}`, name: `Org ${n}`, parentId: null, order: 0, ...overrides };
}

/** A small tree: a root, `branches` children, and `users` users spread over the children. */
export function buildDirectory(branches = 3, users = 10): { orgs: DirectoryOrg[]; users: DirectoryUser[] } {
  const root = buildOrg({ name: 'Root' });
  const children = Array.from({ length: branches }, (_, index) => buildOrg({ parentId: root.id, order: index }));
  const people = Array.from({ length: users }, (_, index) => buildUser({ orgIds: [children[index % branches]!.id] }));
  return { orgs: [root, ...children], users: people };
}

export interface RunInput {
  sourceId: string;
  status: RunStatus;
  /** Every timestamp of the run (created, started, heartbeat, finished). */
  at: Date | string;
  kind?: RunKind;
  /** Who runs it: a dead host's name makes a run the stale sweep takes over. */
  holder?: string;
  checkpoint?: unknown;
}

/**
 * A run as the RunStore writes it, as if the clock had stood at `at` all along: an old finished
 * run for retention, or one left `running` by a process that died.
 */
export async function createRun(knex: Knex, input: RunInput): Promise<Run> {
  const runs = new RunStore(knex, () => new Date(input.at));
  const { id } = await runs.create(input.sourceId, input.kind ?? 'manual', null);
  if (input.status !== 'queued') await runs.markRunning(id, input.holder ?? 'test-host');
  if (input.checkpoint !== undefined) await runs.saveCheckpoint(id, input.checkpoint);
  if (input.status !== 'queued' && input.status !== 'running') await runs.finish(id, input.status);
  return (await runs.get(id))!;
}

/**
 * The links a push run leaves when its process dies mid-page: `creating` for the objects whose
 * create went out unanswered (the replay must look them up before it creates), and none for the
 * objects it had not reached yet.
 */
export async function leaveLinksOfCrashedRun(knex: Knex, sourceId: string, ids: { creating: readonly string[]; unreached: readonly string[] }, kind: ObjectKind = 'user'): Promise<void> {
  const links = new LinkStore(knex, new MirrorReader(knex), () => new Date());
  const known = await links.load(sourceId, kind, ids.creating);
  const removals = [...ids.creating, ...ids.unreached].map((localId) => ({ kind, localId }));
  await links.record(sourceId, { successes: [], failures: [], removals });
  await links.markCreating(
    sourceId,
    ids.creating.map((localId) => ({ kind, localId, objectName: known.get(localId)?.objectName ?? null })),
  );
}
