import { describe, expect, it } from 'vitest';
import { renderMessage } from '../../../lib/i18n/engine-message.js';
import { translator } from '../../../lib/i18n/index.js';
import { thresholdExceeded } from '../../../lib/push/deletion-hold.js';
import { plannedOperation } from '../../../lib/push/held-deletions.js';
import { validatePushPolicy, type PushPolicy } from '../../../lib/sources/push-policy-validation.js';

const en = translator('en');
const zh = translator('zh-CN');

describe('thresholdExceeded', () => {
  it('is null at or under the threshold, and without one', () => {
    expect(thresholdExceeded({ count: 2 }, 2, 10)).toBeNull();
    expect(thresholdExceeded({ percent: 50 }, 5, 10)).toBeNull();
    expect(thresholdExceeded(null, 100, 100)).toBeNull();
    expect(thresholdExceeded({ count: 0 }, 0, 10)).toBeNull();
  });

  it('says a count over the threshold with the right plural in both languages', () => {
    expect(renderMessage(en, thresholdExceeded({ count: 0 }, 1, 10))).toBe('1 deletion exceeds the threshold of 0; confirm or cancel them');
    expect(renderMessage(en, thresholdExceeded({ count: 1 }, 2, 10))).toBe('2 deletions exceed the threshold of 1; confirm or cancel them');
    expect(renderMessage(zh, thresholdExceeded({ count: 1 }, 2, 10))).toBe('2 项删除超过阈值 1，请确认或取消');
  });

  it('says a share over the percentage threshold', () => {
    expect(renderMessage(en, thresholdExceeded({ percent: 10 }, 1, 3))).toBe('1 deletion is 33.3% of 3 synced objects, above the threshold of 10%; confirm or cancel them');
    expect(renderMessage(en, thresholdExceeded({ percent: 10 }, 2, 3))).toBe('2 deletions are 66.7% of 3 synced objects, above the threshold of 10%; confirm or cancel them');
    expect(renderMessage(zh, thresholdExceeded({ percent: 10 }, 2, 3))).toBe('2 项删除占已同步对象（3 个）的 66.7%，超过阈值 10%，请确认或取消');
  });

  it('the hold banner counts objects with the right plural', () => {
    expect(en('hold.body', { deletes: 1, linked: 3, at: 'now' })).toMatch(/^1 object would be deleted or disabled \(of 3 synced objects\)/);
    expect(en('hold.body', { deletes: 2, linked: 3, at: 'now' })).toMatch(/^2 objects would be deleted or disabled/);
    expect(en('holds.showAll', { count: 1 })).toBe('Review the held object');
    expect(en('holds.run.showAll', { count: 4 })).toBe('Show all 4 in the run log');
  });

  it('still shows a reason stored as plain text before reasons had codes', () => {
    expect(renderMessage(en, '10 deletions exceed the threshold of 5; confirm or cancel them')).toBe('10 deletions exceed the threshold of 5; confirm or cancel them');
  });
});

describe('plannedOperation', () => {
  const policy = (users: 'disable' | 'delete' | 'leave', orgs: 'delete' | 'leave' = 'delete'): PushPolicy => validatePushPolicy({ deprovision: { users, orgs } }, () => undefined);

  it('is what the policy does to an object on the downstream', () => {
    expect(plannedOperation(policy('disable'), 'user', 'r1', { schemas: [], active: true })).toBe('disable');
    expect(plannedOperation(policy('delete'), 'user', 'r1', { schemas: [], active: false })).toBe('delete');
    expect(plannedOperation(policy('disable'), 'org', 'r1', null)).toBe('delete');
  });

  it('is null when nothing would change downstream', () => {
    expect(plannedOperation(policy('disable'), 'user', 'r1', { schemas: [], active: false })).toBeNull();
    expect(plannedOperation(policy('leave'), 'user', 'r1', null)).toBeNull();
    expect(plannedOperation(policy('disable', 'leave'), 'org', 'r1', null)).toBeNull();
    expect(plannedOperation(policy('delete'), 'user', null, null)).toBeNull();
  });
});
