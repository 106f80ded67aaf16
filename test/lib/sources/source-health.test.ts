import { describe, expect, it } from 'vitest';
import { engineMessage } from '../../../lib/i18n/engine-message.js';
import { SourceHealth } from '../../../lib/sources/source-health.js';
import { english } from '../../support/messages.js';
import { useTestCenter } from '../../support/test-center.js';

const REFUSED = engineMessage('engine.push.unauthorized', { method: 'GET', path: '/scim/v2/Users', status: 401, detail: '' });
const DOWN = engineMessage('engine.push.http', { method: 'POST', path: '/scim/v2/Users', status: 503, detail: '' });

describe('SourceHealth: quarantine and its reason', () => {
  const t = useTestCenter();
  const health = () => new SourceHealth(t.knex, t.center.audit, t.center.events, { minAttempts: 10, failureRate: 0.9, windowMs: 600_000 }, () => new Date());
  async function pushSource() {
    const { source } = await t.center.sources.create({ name: 'CRM', mode: 'push', push: { userUrl: 'https://scim.example.com/Users', token: 't' } });
    return source;
  }
  const reason = async (id: string) => english((await t.center.sources.get(id)).quarantine?.reason);

  it('says "after one 401" when a refusal quarantines at once', async () => {
    const source = await pushSource();
    await health().record(source.id, { succeeded: 0, failed: 1, reason: REFUSED, immediate: { cause: 'unauthorized', status: 401 } });
    expect(await reason(source.id)).toMatch(/^quarantined after one 401 answer\. Last error: GET \/scim\/v2\/Users answered 401: the downstream refused the credentials/);
  });

  it('says "10 failed requests in a row" when every request of the window failed', async () => {
    const source = await pushSource();
    const sourceHealth = health();
    for (let i = 0; i < 10; i++) await sourceHealth.record(source.id, { succeeded: 0, failed: 1, reason: DOWN });
    expect(await reason(source.id)).toBe('quarantined after 10 failed requests in a row within 10 minutes. Last error: POST /scim/v2/Users answered 503');
  });

  it('says "9 of 10 requests failed" when some went through', async () => {
    const source = await pushSource();
    const sourceHealth = health();
    await sourceHealth.record(source.id, { succeeded: 1, failed: 0 });
    for (let i = 0; i < 9; i++) await sourceHealth.record(source.id, { succeeded: 0, failed: 1, reason: DOWN });
    expect(await reason(source.id)).toMatch(/^quarantined after 9 of 10 requests failed within 10 minutes\./);
  });

  it('does not quarantine again for an attempt begun before the source was resumed or changed', async () => {
    const source = await pushSource();
    const startedAt = new Date(Date.now() - 60_000).toISOString();
    await health().record(source.id, { succeeded: 0, failed: 1, reason: REFUSED, immediate: { cause: 'unauthorized', status: 401 }, startedAt });
    expect((await t.center.sources.get(source.id)).quarantine).toBeNull();
  });
});
