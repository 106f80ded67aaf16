import request from 'supertest';
import type { DirectoryOrg, DirectoryUser } from '../../../lib/hooks/directory.js';
import type { SyncCenterOptions } from '../../../lib/options.js';
import type { PullCredentials, Source } from '../../../lib/sources/source-types.js';
import { useFixture, type FixtureOptions } from '../../support/fixture.js';
import { createTestCenter, MOUNT, type TestCenter } from '../../support/test-center.js';

export const SCIM = `${MOUNT}/scim/v2`;
export const TOKEN_URL = `${MOUNT}/oauth/token`;
export const SCIM_JSON = 'application/scim+json';

/** A clock the test moves by hand. */
export class TestClock {
  constructor(public now = new Date('2026-03-01T08:00:00.000Z')) {}
  readonly read = (): Date => new Date(this.now);
  advance(ms: number): void {
    this.now = new Date(this.now.getTime() + ms);
  }
  advanceDays(days: number): void {
    this.advance(days * 86_400_000);
  }
}

export interface PullFixture {
  t: TestCenter;
  clock: TestClock;
  source: Source;
  credentials: PullCredentials;
  /** GET with the source's long-lived token. */
  get(path: string, headers?: Record<string, string>): request.Test;
  /** POST a JSON body with the token. */
  post(path: string, body: unknown, contentType?: string): request.Test;
  close(): Promise<void>;
}

/**
 * A center with an enabled pull source and a small directory:
 *   root (code R) ─ sales (S) ─ sales-east (SE)
 *                 └ eng (E)
 * alice ∈ sales (primary) + eng, bob ∈ sales-east, carol ∈ eng, dave ∈ root (no email)
 */
export const ORGS: DirectoryOrg[] = [
  { id: 'root', name: 'Acme', code: 'R', order: 0 },
  { id: 'sales', name: 'Sales', code: 'S', parentId: 'root', order: 1 },
  { id: 'eng', name: 'Engineering', code: 'E', parentId: 'root', order: 2 },
  { id: 'sales-east', name: 'Sales East', code: 'SE', parentId: 'sales', order: 0 },
];

export const USERS: DirectoryUser[] = [
  {
    id: 'alice',
    userName: 'Alice@Example.com',
    displayName: 'Alice Liddell',
    name: { givenName: 'Alice', familyName: 'Liddell', middleName: 'Pleasance' },
    emails: [
      { value: 'alice@example.com', type: 'work', primary: true },
      { value: 'alice@home.test', type: 'home' },
    ],
    phoneNumbers: [{ value: '+86 10 5555 0001', type: 'mobile' }],
    title: 'Director',
    employeeNumber: 'E-001',
    orgIds: ['sales', 'eng'],
    primaryOrgId: 'sales',
    externalId: 'ext-alice',
  },
  {
    id: 'bob',
    userName: 'bob@example.com',
    displayName: 'Bob Builder',
    name: { givenName: 'Bob', familyName: 'Builder' },
    emails: [{ value: 'bob@example.com', type: 'work', primary: true }],
    employeeNumber: 'E-002',
    managerId: 'alice',
    orgIds: ['sales-east'],
  },
  {
    id: 'carol',
    userName: 'carol@example.org',
    displayName: 'Carol Danvers',
    name: { givenName: 'Carol', familyName: 'Danvers' },
    emails: [{ value: 'carol@example.org', type: 'work' }],
    active: false,
    orgIds: ['eng'],
  },
  { id: 'dave', userName: 'dave', orgIds: ['root'], title: 'CEO' },
];

export interface PullFixtureOptions {
  /** The pull source's scope (default: the whole tree). */
  scopeOrgIds?: string[];
  overrides?: Partial<SyncCenterOptions>;
  /** Seed ORGS and USERS (default true). */
  seed?: boolean;
}

export async function createPullFixture(options: PullFixtureOptions = {}): Promise<PullFixture> {
  const clock = new TestClock();
  const t = await createTestCenter({ clock: clock.read, ...options.overrides });
  if (options.seed !== false) {
    await t.center.changes.apply([
      ...ORGS.map((org) => ({ type: 'orgUpserted' as const, org })),
      ...USERS.map((user) => ({ type: 'userUpserted' as const, user })),
    ]);
  }
  const created = await t.center.sources.create({ name: 'Wiki', mode: 'pull', pull: { scopeOrgIds: options.scopeOrgIds ?? [] } });
  const source = await t.center.sources.enable(created.source.id);
  const credentials = created.credentials!;
  const auth = { Authorization: `Bearer ${credentials.token}` };
  return {
    t,
    clock,
    source,
    credentials,
    get: (path, headers = {}) => request(t.app).get(`${SCIM}${path}`).set({ ...auth, ...headers }),
    post: (path, body, contentType = SCIM_JSON) =>
      request(t.app)
        .post(`${SCIM}${path}`)
        .set(auth)
        .set('Content-Type', contentType)
        .send(typeof body === 'string' ? body : JSON.stringify(body)),
    close: () => t.close(),
  };
}

/** `createPullFixture(options)` for every test of the calling describe (or once for all of them, with `{ scope: 'all' }`). */
export function usePullFixture(options: PullFixtureOptions | (() => PullFixtureOptions) = {}, fixture: FixtureOptions = {}): PullFixture {
  return useFixture(() => createPullFixture(typeof options === 'function' ? options() : options), fixture);
}

/** Ids of a list response, in order. */
export function idsOf(body: { Resources?: Array<{ id: string }> }): string[] {
  return (body.Resources ?? []).map((resource) => resource.id);
}
