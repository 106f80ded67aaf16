import { afterEach, describe, expect, it } from 'vitest';
import { StateConflictError } from '../../lib/errors.js';
import { createTestCenter, type TestCenter } from '../support/test-center.js';

describe('center lifecycle', () => {
  let t: TestCenter | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('refuses a second start() with a coded StateConflictError', async () => {
    t = await createTestCenter();
    await t.center.start();
    const error = await t.center.start().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StateConflictError);
    expect(error).toMatchObject({ code: 'SSC_STATE_CONFLICT', reason: 'already_started' });
  });

  it('refuses start() after close() with its own reason', async () => {
    t = await createTestCenter();
    await t.center.close();
    await expect(t.center.start()).rejects.toMatchObject({ code: 'SSC_STATE_CONFLICT', reason: 'center_closed' });
  });
});
