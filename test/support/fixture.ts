import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';

export interface Closable {
  close(): Promise<void>;
}

export interface FixtureOptions {
  /**
   * `each` (default): a fresh instance per test. `all`: one instance for every test of the
   * describe, for suites that only read (the SCIM filter tables).
   * @default 'each'
   */
  scope?: 'each' | 'all';
}

const slots = new WeakMap<object, { current: Closable | undefined }>();

/**
 * The one way a test file gets a center, a fake downstream or any other resource with a
 * `close()`: call it in a describe, and every test of that describe reads a fresh instance
 * through the returned handle, built before the test and closed after it.
 *
 *   const t = useFixture(() => createTestCenter({ push: FAST_PUSH }));
 *   it('…', async () => { await t.center.sources.list(); });
 *
 * The handle forwards to the current test's instance, so read it inside hooks and tests, never
 * destructure it at describe time. A test that needs another instance midway (a restart, a
 * downstream with other quirks) swaps it with `replaceFixture`. Without `create`, no instance is
 * built: each test puts in its own with `replaceFixture` (tests whose setup takes arguments), and
 * it is closed after the test all the same.
 */
export function useFixture<T extends Closable>(create?: () => Promise<T>, options: FixtureOptions = {}): T {
  const slot: { current: T | undefined } = { current: undefined };
  const build = async () => {
    if (create) slot.current = await create();
  };
  const release = async () => {
    const instance = slot.current;
    slot.current = undefined;
    await instance?.close();
  };
  if (options.scope === 'all') {
    beforeAll(build);
    afterAll(release);
  } else {
    beforeEach(build);
    afterEach(release);
  }
  const read = (): T => {
    if (!slot.current) throw new Error('no instance behind this fixture: read it inside a hook or a test (never in describe()), and, without a create function, after replaceFixture()');
    return slot.current;
  };
  const handle = new Proxy({} as T, {
    get(_, key) {
      const instance = read();
      const value: unknown = Reflect.get(instance, key, instance);
      // Class methods run on the instance itself (private #fields); own function-valued
      // properties (an express app, a closure) pass through as they are.
      return typeof value === 'function' && !Object.prototype.hasOwnProperty.call(instance, key) ? value.bind(instance) : value;
    },
    set(_, key, value) {
      return Reflect.set(read(), key, value);
    },
    has(_, key) {
      return Reflect.has(read(), key);
    },
  });
  slots.set(handle, slot as { current: Closable | undefined });
  return handle;
}

/** Closes the instance behind a fixture handle, if any, and puts a new one in its place (closed after the test as usual). */
export async function replaceFixture<T extends Closable>(handle: T, create: () => Promise<T>): Promise<void> {
  const slot = slots.get(handle);
  if (!slot) throw new Error('replaceFixture() takes a handle returned by useFixture()');
  const previous = slot.current;
  slot.current = undefined;
  await previous?.close();
  slot.current = await create();
}
