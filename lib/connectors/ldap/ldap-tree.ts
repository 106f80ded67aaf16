import { engineMessage, storeMessage } from '../../i18n/engine-message.js';
import { PushError } from '../../push/client/errors.js';
import type { LdapEntryKind, LdapTree, LdapTreeResult } from '../../push/ldap-tools.js';
import type { LdapSettings } from '../../sources/ldap-destination.js';
import { sameDn, splitDn } from './dn.js';
import { LdapDirectory, type LdapEntry } from './ldap-directory.js';
import { connectionOptions } from './ldap-pool.js';
import type { LdapSecrets } from './ldap-settings.js';

const PAGE_SIZE = 500;
const GROUP_CLASSES = ['groupofnames', 'groupofuniquenames', 'group'];
const TIMED_OUT = Symbol('timed out');

/**
 * Reads the tree under an LDAP destination's base DN for the console: one paged search of the
 * subtree (RFC 2696) asking only for `objectClass`, counted as it streams, keeping the first
 * `limit` DNs in tree order, so memory stays flat however large the tree is. It never takes
 * longer than `timeoutMs`: past it, the connection is dropped and the counts so far are
 * returned as incomplete. A failure is a message with the server's words, never the password.
 */
export async function readLdapTree(settings: LdapSettings, secrets: LdapSecrets, options: { limit: number; timeoutMs: number }): Promise<LdapTreeResult> {
  const started = performance.now();
  const deadline = started + options.timeoutMs;
  const kindOf = classifier(settings);
  const counts: Record<LdapEntryKind, number> = { user: 0, org: 0, group: 0, other: 0 };
  const first = new FirstInTreeOrder(options.limit);
  let complete = true;

  // The connection keeps the source's own timeout: the deadline below is what bounds this read.
  const opening = LdapDirectory.open(connectionOptions(settings, secrets));
  let directory: LdapDirectory;
  try {
    const opened = await beforeDeadline(opening, deadline);
    if (opened === TIMED_OUT) {
      // Still connecting: close it once it does, so no bound connection is left behind.
      void opening.then((late) => late.close(), () => undefined);
      return { ok: false, reason: engineMessage('engine.ldap.tree.timeout', { seconds: Math.round(options.timeoutMs / 1000) }) };
    }
    directory = opened;
  } catch (error) {
    return { ok: false, reason: engineMessage('engine.ldap.tree.failed', { detail: reason(error) }) };
  }
  try {
    const pages = directory.search(settings.baseDn, '(objectClass=*)', ['objectClass'], { scope: 'sub', pageSize: PAGE_SIZE });
    for (;;) {
      const next = await beforeDeadline(pages.next(), deadline);
      if (next === TIMED_OUT) {
        complete = false;
        // The page still in flight is abandoned with the connection (closed below).
        void pages.return(undefined).catch(() => undefined);
        break;
      }
      if (next.done) break;
      for (const entry of next.value) {
        if (sameDn(entry.dn, settings.baseDn)) continue;
        const kind = kindOf(entry);
        counts[kind] += 1;
        first.offer(entry.dn, kind);
      }
    }
  } catch (error) {
    return { ok: false, reason: engineMessage('engine.ldap.tree.failed', { detail: reason(error) }) };
  } finally {
    await directory.close();
  }
  const baseDepth = splitDn(settings.baseDn).length;
  const tree: LdapTree = {
    baseDn: settings.baseDn,
    total: counts.user + counts.org + counts.group + counts.other,
    counts,
    first: first.list().map(({ dn, kind }) => ({ dn, kind, depth: splitDn(dn).length - baseDepth })),
    complete,
    durationMs: Math.round(performance.now() - started),
  };
  return { ok: true, tree };
}

/** Users by the source's own user object classes (and the usual person classes), groups, OUs (and the source's org classes). */
function classifier(settings: LdapSettings): (entry: LdapEntry) => LdapEntryKind {
  const users = new Set(['inetorgperson', 'person', 'user', ...settings.userObjectClasses.map((name) => name.toLowerCase())]);
  const orgs = new Set(['organizationalunit', ...settings.orgObjectClasses.map((name) => name.toLowerCase())]);
  return (entry) => {
    const classes = (entry.attributes.objectclass ?? []).map((name) => name.toLowerCase());
    if (classes.some((name) => GROUP_CLASSES.includes(name))) return 'group';
    if (classes.some((name) => users.has(name))) return 'user';
    if (classes.some((name) => orgs.has(name))) return 'org';
    return 'other';
  };
}

/**
 * The `limit` smallest DNs in tree order, kept while the entries stream by: a DN's key is its
 * RDNs from the root down, so a parent comes before its children and siblings sort by name.
 */
class FirstInTreeOrder {
  readonly #kept: Array<{ dn: string; kind: LdapEntryKind; key: string[] }> = [];

  constructor(private readonly limit: number) {}

  offer(dn: string, kind: LdapEntryKind): void {
    const key = splitDn(dn).map((part) => part.toLowerCase()).reverse();
    const kept = this.#kept;
    if (kept.length >= this.limit && compareKeys(key, kept[kept.length - 1]!.key) >= 0) return;
    let index = kept.length;
    while (index > 0 && compareKeys(key, kept[index - 1]!.key) < 0) index -= 1;
    kept.splice(index, 0, { dn, kind, key });
    if (kept.length > this.limit) kept.pop();
  }

  list(): Array<{ dn: string; kind: LdapEntryKind }> {
    return this.#kept.map(({ dn, kind }) => ({ dn, kind }));
  }
}

function compareKeys(a: string[], b: string[]): number {
  for (let index = 0; index < Math.min(a.length, b.length); index += 1) {
    if (a[index] !== b[index]) return a[index]! < b[index]! ? -1 : 1;
  }
  return a.length - b.length;
}

async function beforeDeadline<T>(work: Promise<T>, deadline: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  // The loser of the race may still fail later (its connection closed): that is expected, not unhandled.
  work.catch(() => undefined);
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, deadline - performance.now()))));
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The failure as a stored message, rendered in the reader's language inside the panel's. */
function reason(error: unknown): string {
  if (error instanceof PushError) return storeMessage(error.engineMessage);
  return error instanceof Error ? error.message : String(error);
}
