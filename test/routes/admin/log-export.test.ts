import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeEach, describe, expect, it } from 'vitest';
import { engineMessage, storeMessage } from '../../../lib/i18n/engine-message.js';
import { adminAgent } from '../../support/admin-agent.js';
import { ADMIN_HEADER, MOUNT, useTestCenter } from '../../support/test-center.js';

const AT = new Date('2026-12-02T07:00:00.000Z');

/** The CSV's lines without the byte-order mark, split as RFC 4180 writes them (no cell here holds a line break). */
const csvLines = (text: string) => text.replace(/^\ufeff/, '').trimEnd().split('\r\n');

describe('GET /sources/:id/log.csv|.json (incremental sync log export)', () => {
  const test = useTestCenter({ timezone: 'Asia/Shanghai', clock: () => AT });
  let client: ReturnType<typeof adminAgent>;

  beforeEach(() => {
    client = adminAgent(test.app);
  });

  const pushSource = async () => {
    const { source } = await test.center.sources.create({ name: 'CRM', mode: 'push', push: { userUrl: 'https://crm.example.com/Users', token: 't' } });
    return source;
  };

  it('exports exactly the filtered deliveries as CSV, with the ISO time and the time in the center\'s zone', async () => {
    const source = await pushSource();
    await test.center.logs.recordDeliveries([
      { sourceId: source.id, kind: 'user', objectId: 'u1', objectName: 'Ann, "the boss"', operation: 'update', result: 'failed', httpStatus: 400, error: 'bad\nvalue', durationMs: 12, changeSeq: 7, changes: { title: { old: 'a', new: 'b' } } },
      { sourceId: source.id, kind: 'user', objectId: 'u2', objectName: 'Bob', operation: 'create', result: 'succeeded', httpStatus: 201 },
      { sourceId: source.id, kind: 'org', objectId: 'o1', objectName: 'Annex', operation: 'create', result: 'succeeded' },
    ]);
    const csv = await client.get(`/sources/${source.id}/log.csv?q=ann&kind=user`).set('accept-language', 'en');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="delivery-log-${source.id}.csv"`);
    const text = csv.text.replace(/^\ufeff/, '');
    const [header, ...rows] = text.trimEnd().split('\r\n');
    expect(header).toBe('at,atLocal,changeSeq,attempt,kind,objectId,objectName,operation,result,method,path,httpStatus,durationMs,error,changes');
    // One record; its quoted error cell holds a line break, so the record spans two lines.
    expect(rows.join('\r\n')).toBe(
      '2026-12-02T07:00:00.000Z,"Dec 2, 2026, 03:00:00 PM GMT+8",7,1,user,u1,"Ann, ""the boss""",update,failed,,,400,12,"bad\nvalue","{""title"":{""old"":""a"",""new"":""b""}}"',
    );
  });

  it('exports JSON with the same fields, and local times and engine messages in the reader\'s language', async () => {
    const source = await pushSource();
    const stored = storeMessage(engineMessage('engine.hold.deletionsExceed', { count: 3, threshold: 2 }));
    await test.center.logs.recordDeliveries([{ sourceId: source.id, kind: 'user', objectId: 'u1', objectName: 'Ann', operation: 'delete', result: 'failed', error: stored }]);
    const en = JSON.parse((await client.get(`/sources/${source.id}/log.json`).set('accept-language', 'en')).text) as Array<Record<string, unknown>>;
    expect(en).toEqual([
      expect.objectContaining({ at: '2026-12-02T07:00:00.000Z', atLocal: 'Dec 2, 2026, 03:00:00 PM GMT+8', objectId: 'u1', result: 'failed', attempt: 1, changes: null, error: '3 deletions exceed the threshold of 2; confirm or cancel them' }),
    ]);
    const zh = JSON.parse((await client.get(`/sources/${source.id}/log.json`).set('accept-language', 'zh-CN')).text) as Array<Record<string, unknown>>;
    expect(zh[0]).toMatchObject({ atLocal: '2026年12月2日 GMT+8 15:00:00', error: '3 项删除超过阈值 2，请确认或取消' });
    const none = JSON.parse((await client.get(`/sources/${source.id}/log.json?q=nobody`)).text);
    expect(none).toEqual([]);
  });

  it('defuses every cell a spreadsheet would run as a formula (= + - @, tab, carriage return)', async () => {
    const source = await pushSource();
    const names = ['=HYPERLINK("http://evil.example","x")', '+1+cmd', '-2', '@SUM(A1)', '\tTab', '\rReturn'];
    await test.center.logs.recordDeliveries(names.map((objectName, index) => ({ sourceId: source.id, kind: 'user' as const, objectId: `u${index}`, objectName, operation: 'update', result: 'succeeded' })));
    const rows = csvLines((await client.get(`/sources/${source.id}/log.csv`)).text).slice(1);
    const nameCells = rows.map((row) => row.split(',')[6]);
    // Newest first; the quote opens each cell, ahead of the character a spreadsheet would act on.
    expect(rows.join('\n')).toContain(`"'=HYPERLINK(""http://evil.example""`);
    expect(nameCells.slice(1, 5).reverse()).toEqual(["'+1+cmd", "'-2", "'@SUM(A1)", "'\tTab"]);
    expect(rows.join('\n')).toContain(`"'\rReturn"`);
    expect(rows.join('\n')).not.toMatch(/(^|,)[=+\-@]/m);
  });

  it("exports a pull source's requests, filtered by the search", async () => {
    const { source } = await test.center.sources.create({ name: 'Wiki', mode: 'pull' });
    await test.center.logs.recordPulls([
      { sourceId: source.id, clientId: 'wiki', method: 'GET', path: '/scim/v2/Users', filter: '=cmd', status: 200, resultCount: 2, durationMs: 3 },
      { sourceId: source.id, clientId: 'wiki', method: 'GET', path: '/scim/v2/Groups', status: 200, resultCount: 1, durationMs: 3 },
    ]);
    const csv = await client.get(`/sources/${source.id}/log.csv?q=users`).set('accept-language', 'en');
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="pull-log-${source.id}.csv"`);
    const lines = csvLines(csv.text);
    expect(lines[0]).toBe('at,atLocal,clientId,method,path,filter,resultCount,status,durationMs');
    expect(lines.slice(1)).toEqual(['2026-12-02T07:00:00.000Z,"Dec 2, 2026, 03:00:00 PM GMT+8",wiki,GET,/scim/v2/Users,\'=cmd,2,200,3']);
    const json = JSON.parse((await client.get(`/sources/${source.id}/log.json?result=ok`)).text) as Array<Record<string, unknown>>;
    expect(json.map((entry) => entry.path)).toEqual(['/scim/v2/Groups', '/scim/v2/Users']);
  });

  it('streams an export of 5,000 deliveries in many chunks, never as one sized body', { timeout: 60_000 }, async () => {
    const source = await pushSource();
    await test.center.logs.recordDeliveries(
      Array.from({ length: 5_000 }, (_, index) => ({ sourceId: source.id, kind: 'user' as const, objectId: `u${index}`, objectName: `User ${index}`, operation: 'update', result: 'succeeded', httpStatus: 200 })),
    );
    const server = http.createServer(test.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const { headers, chunks, body } = await new Promise<{ headers: http.IncomingHttpHeaders; chunks: number; body: string }>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: `${MOUNT}/sources/${source.id}/log.json`, headers: { [ADMIN_HEADER]: 'alice' } }, (res) => {
            let count = 0;
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              count += 1;
              text += chunk;
            });
            res.on('end', () => resolve({ headers: res.headers, chunks: count, body: text }));
            res.on('error', reject);
          })
          .on('error', reject);
      });
      expect(headers['transfer-encoding']).toBe('chunked');
      expect(headers['content-length']).toBeUndefined();
      expect(chunks).toBeGreaterThan(1);
      const rows = JSON.parse(body) as Array<{ objectId: string }>;
      expect(rows).toHaveLength(5_000);
      expect(rows[0]!.objectId).toBe('u4999');
      expect(rows[4_999]!.objectId).toBe('u0');
      expect(new Set(rows.map((row) => row.objectId)).size).toBe(5_000);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('answers an unknown export format with the console\'s 404', async () => {
    const source = await pushSource();
    expect((await client.get(`/sources/${source.id}/log.xml`)).status).toBe(404);
  });
});
