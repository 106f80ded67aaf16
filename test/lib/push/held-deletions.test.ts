import { describe, expect, it } from 'vitest';
import { HeldDeletions, INCREMENTAL_HOLD, type PlannedDeletion } from '../../../lib/push/held-deletions.js';
import { createPushSource, useFakeDownstream } from '../../support/push-helpers.js';
import { useTestCenter } from '../../support/test-center.js';

describe('HeldDeletions', () => {
  const server = useFakeDownstream();
  const t = useTestCenter();
  const planned = (count: number, from = 0): PlannedDeletion[] =>
    Array.from({ length: count }, (_, index) => ({ kind: 'user', origin: 'mirror', objectId: `u${String(from + index).padStart(5, '0')}`, remoteId: `r${from + index}`, name: `User ${from + index}`, operation: 'delete', seq: 10 + index }));

  it('cancels a hold of any size object by object, and keeps the lists of other holds', async () => {
    const source = await createPushSource(t.center, server);
    const held = new HeldDeletions(t.knex, () => new Date('2026-12-02T08:00:00.000Z'));
    await held.add(source.id, INCREMENTAL_HOLD, planned(1234));
    await held.add(source.id, 7, planned(3, 5000));
    expect(await held.cancel(source.id, INCREMENTAL_HOLD, 'alice')).toBe(1234);
    expect((await held.list(source.id, INCREMENTAL_HOLD, { limit: 10, offset: 0 })).total).toBe(0);
    expect((await held.list(source.id, 7, { limit: 10, offset: 0 })).total).toBe(3);
    const cancelled = await held.listCancelled(source.id, { limit: 2, offset: 0 });
    expect(cancelled.total).toBe(1234);
    expect(cancelled.items[0]).toMatchObject({ kind: 'user', origin: 'mirror', cancelledBy: 'alice', cancelledAt: '2026-12-02T08:00:00.000Z' });
  });

  it('covers an object only while its seq stays where it was cancelled, and forgets the cancel once it moved', async () => {
    const source = await createPushSource(t.center, server);
    const held = new HeldDeletions(t.knex, () => new Date());
    await held.add(source.id, INCREMENTAL_HOLD, planned(2));
    await held.cancel(source.id, INCREMENTAL_HOLD, 'alice');
    const refs = [
      { kind: 'user' as const, origin: 'mirror' as const, objectId: 'u00000', seq: 10 },
      { kind: 'user' as const, origin: 'mirror' as const, objectId: 'u00001', seq: 99 },
      { kind: 'org' as const, origin: 'mirror' as const, objectId: 'u00000', seq: 10 },
    ];
    expect([...(await held.stillCancelled(source.id, refs))]).toEqual(['user:mirror:u00000']);
    expect((await held.listCancelled(source.id, { limit: 10, offset: 0 })).items.map((item) => item.objectId)).toEqual(['u00000']);
    // A purged mirror row (seq 0) is still the object that was cancelled.
    expect([...(await held.stillCancelled(source.id, [{ ...refs[0]!, seq: 0 }]))]).toEqual(['user:mirror:u00000']);
  });
});
