import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { TestClock } from '../helpers/clock.js';
import { say, visitor } from '../staff/web-chat.js';

const key = 'k_test_context_0123456789abcdef';

/** The survey export carries what a survey was about (its context object) and who answered (anonymous web chat visitor or identified customer). */
describe('survey export: product, order, location, staff and identity', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let server: TestServer;
  beforeAll(async () => {
    server = await buildTestServer({ WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0', API_KEY: key, THROTTLE_DAYS: '0' }, { now: clock.now });
    const { app } = server;
    const address = visitor();
    const started = await app.inject({ method: 'POST', url: '/api/v1/surveys', headers: { 'x-api-key': key }, payload: { kind: 'nps', channel: 'web', address, context: { text: 'your visit', product: 'Green tea', order: 'A-1042', location: 'Leeds', staff: 'Sam' } } });
    expect(started.statusCode, started.body).toBe(201);
    await say(app, address, '9');
    const anonymous = await app.inject({ method: 'POST', url: '/chat/api/visitors', payload: { kind: 'nps' } });
    expect(anonymous.statusCode).toBe(201);
    // Its survey starts at its first answer.
    await say(app, anonymous.json().visitorId, '7');
  });
  afterAll(() => server?.close());

  const get = (url: string) => server.app.inject({ method: 'GET', url, headers: { 'x-api-key': key } });
  const expected = [
    { product: 'Green tea', order: 'A-1042', location: 'Leeds', staff: 'Sam', context: 'your visit', identity: 'identified', trigger: 'api' },
    { product: null, order: null, location: null, staff: null, identity: 'anonymous', trigger: 'web' },
  ];

  it.each(['/api/export.csv', '/api/v1/surveys/export?format=csv'])('%s has the columns, filled from the context', async (url) => {
    const res = await get(url);
    expect(res.statusCode).toBe(200);
    const rows = parse(res.body, { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(2);
    expected.forEach((e, i) => expect(rows[i]).toMatchObject(Object.fromEntries(Object.entries(e).map(([k, v]) => [k, v ?? '']))));
  });

  it.each(['/api/export.jsonl', '/api/v1/surveys/export?format=jsonl'])('%s has the fields, null where the survey has none', async (url) => {
    const res = await get(url);
    expect(res.statusCode).toBe(200);
    const rows = res.body.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expected.forEach((e, i) => expect(rows[i]).toMatchObject(e));
  });

  it('the API shows them on a survey too', async () => {
    const res = await get('/api/v1/surveys?limit=5');
    expect(res.statusCode).toBe(200);
    const items = (res.json() as { items: Array<Record<string, unknown>> }).items;
    expect(items.map((s) => [s.product, s.location, s.identity])).toEqual([[null, null, 'anonymous'], ['Green tea', 'Leeds', 'identified']]);
  });
});
