import { describe, expect, it } from 'vitest';
import { StateConflictError } from '../../lib/errors.js';
import { useTestCenter } from '../support/test-center.js';

describe('center lifecycle', () => {
  const t = useTestCenter();

  it('refuses a second start() with a coded StateConflictError', async () => {
    await t.center.start();
    const error = await t.center.start().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StateConflictError);
    expect(error).toMatchObject({ code: 'SSC_STATE_CONFLICT', reason: 'already_started' });
  });

  it('refuses start() after close() with its own reason', async () => {
    await t.center.close();
    await expect(t.center.start()).rejects.toMatchObject({ code: 'SSC_STATE_CONFLICT', reason: 'center_closed' });
  });
});
