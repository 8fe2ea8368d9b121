import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../helpers/clock.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { visitor } from '../staff/web-chat.js';

const key = 'k_test_0123456789abcdef';

/** The first version's paths (deprecated) are an alias of /api/v1: the same routes, keys and answers. */
describe('REST API under the first version paths', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let server: TestServer;
  beforeAll(async () => {
    server = await buildTestServer({ WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0', API_KEY: key, THROTTLE_DAYS: '0' }, { now: clock.now });
  });
  afterAll(() => server?.close());

  it('refuses a missing or wrong key and accepts x-api-key or Bearer', async () => {
    const { app } = server;
    const none = await app.inject({ method: 'GET', url: '/api/stats' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(none.json()).toMatchObject({ type: 'urn:survey-bot:problem:unauthorized', status: 401 });
    expect((await app.inject({ method: 'GET', url: '/api/stats', headers: { 'x-api-key': `${key}x` } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/stats', headers: { authorization: 'Bearer nope' } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/stats', headers: { 'x-api-key': key } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/stats', headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(200);
  });

  it('starts one survey, says when one is already open, and shows it', async () => {
    const { app } = server;
    const address = visitor();
    const payload = { kind: 'csat', channel: 'web', address, name: 'Ana', context: 'order 1042' };
    const res = await app.inject({ method: 'POST', url: '/api/surveys', headers: { 'x-api-key': key }, payload });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ ok: true, status: 'sent' });
    const again = await app.inject({ method: 'POST', url: '/api/surveys', headers: { 'x-api-key': key }, payload });
    expect(again.json()).toEqual({ ok: true, status: 'already_open', surveyId: res.json().surveyId });

    const shown = await app.inject({ method: 'GET', url: `/api/surveys/${res.json().surveyId}`, headers: { 'x-api-key': key } });
    expect(shown.json()).toMatchObject({ kind: 'csat', channel: 'web', state: 'invited', customerName: 'Ana', context: 'order 1042', trigger: 'api' });
    expect((await app.inject({ method: 'GET', url: '/api/surveys/6f0000000000000000000000', headers: { 'x-api-key': key } })).statusCode).toBe(404);
    const bad = await app.inject({ method: 'POST', url: '/api/surveys', headers: { 'x-api-key': key }, payload: { kind: 'xyz', channel: 'web', address } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([expect.objectContaining({ field: 'kind' })]);
  });

  it('takes a CSV upload and reports each row, the bad one included', async () => {
    const { app } = server;
    const [a, b] = [visitor(), visitor()];
    const csv = ['kind,channel,address,name,locale,context', `nps,web,${a},"Lee, Jr.",en,"the ""big"" sale"`, `nps,fax,${b},Bo,en,`, `ces,web,${b},Bo,es,`].join('\r\n');
    const res = await app.inject({ method: 'POST', url: '/api/surveys', headers: { 'x-api-key': key, 'content-type': 'text/csv' }, payload: csv });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ accepted: 2, rejected: 1 });
    expect(body.results.map((r: { row: number; ok: boolean; status?: string }) => [r.row, r.ok, r.status])).toEqual([[1, true, 'queued'], [2, false, undefined], [3, true, 'queued']]);
    expect(body.results[1].error).toMatch(/^channel: /);
    const stored = await app.store.surveys.model.findOne({ address: a }).lean();
    expect(stored?.vars).toMatchObject({ customerName: 'Lee, Jr.', context: 'the "big" sale' });
    expect((await app.store.surveys.model.findOne({ address: b }).lean())?.locale).toBe('es');
  });

  it('refuses a CSV upload that a spreadsheet would read differently, naming the row', async () => {
    const { app } = server;
    const [a, b] = [visitor(), visitor()];
    const post = (rows: string[]) => app.inject({ method: 'POST', url: '/api/surveys', headers: { 'x-api-key': key, 'content-type': 'text/csv' }, payload: ['kind,channel,address,name,locale,context', ...rows].join('\r\n') });
    const unclosed = await post([`nps,web,${a},"Lee,en,`, `nps,web,${b},Bo,en,`]);
    expect(unclosed.statusCode).toBe(400);
    expect(unclosed.json().detail).toBe('CSV row 1: a quoted field is never closed; write a quote inside a quoted field as two ("")');
    const extra = await post([`nps,web,${a},Lee,en,order 1, pickup`]);
    expect(extra.statusCode).toBe(400);
    expect(extra.json().detail).toBe('CSV row 1: 7 fields, the header has 6; quote a field that contains a comma');
    expect(await app.store.surveys.model.countDocuments({ address: { $in: [a, b] } })).toBe(0);
  });

  it('takes a JSON array and exports surveys as CSV', async () => {
    const { app } = server;
    const rows = [{ kind: 'nps', channel: 'web', address: visitor(), name: '=HYPERLINK("x")' }, { kind: 'nps', channel: 'web' }];
    const res = await app.inject({ method: 'POST', url: '/api/surveys', headers: { 'x-api-key': key }, payload: rows });
    expect(res.json()).toMatchObject({ accepted: 1, rejected: 1 });

    const csv = await app.inject({ method: 'GET', url: '/api/export.csv', headers: { 'x-api-key': key } });
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const [header, ...records] = parse(csv.body) as string[][];
    expect(header?.slice(0, 4)).toEqual(['id', 'kind', 'channel', 'state']);
    expect(records).toHaveLength(await app.store.surveys.model.countDocuments({}));
    expect(records.some((r) => r[7] === `'=HYPERLINK("x")`)).toBe(true); // formulas defused
  });

  it('answers stats from the rollups and adds staff', async () => {
    const { app } = server;
    const stats = await app.inject({ method: 'GET', url: '/api/stats?period=7d', headers: { 'x-api-key': key } });
    expect(stats.json()).toMatchObject({ days: 7, toWeek: '2026-03-09' });
    expect(stats.json().kinds.map((k: { kind: string; sent: number }) => [k.kind, k.sent])).toEqual([['nps', 2], ['csat', 1], ['ces', 1]]);
    expect((await app.inject({ method: 'GET', url: '/api/stats?period=12d', headers: { 'x-api-key': key } })).statusCode).toBe(400);
    const unknown = await app.inject({ method: 'GET', url: '/api/stats?period[$ne]=7d', headers: { 'x-api-key': key } });
    expect(unknown.json()).toMatchObject({ status: 400, errors: [{ field: 'period[$ne]', message: 'unknown field' }] });

    const clerk = await app.inject({ method: 'POST', url: '/api/staff', headers: { 'x-api-key': key }, payload: { channel: 'sms', address: '(212) 736-5000' } });
    expect(clerk.json()).toEqual({ added: true, role: 'staff' });
    expect(await (await app.businesses.get('default'))!.staff.identify('sms', '+12127365000')).toMatchObject({ role: 'staff' });
  });

  it('starts the rows of an upload side by side, reports them in row order, and one customer twice once', async () => {
    const { app } = server;
    const addresses = Array.from({ length: 20 }, () => visitor());
    const rows = addresses.map((address) => ({ kind: 'nps', channel: 'web', address }));
    rows.splice(9, 0, { kind: 'nps', channel: 'web', address: addresses[3]! }, { kind: 'nps', channel: 'fax', address: visitor() });
    const res = await app.inject({ method: 'POST', url: '/api/surveys', headers: { 'x-api-key': key }, payload: rows });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { accepted: number; rejected: number; results: Array<{ row: number; ok: boolean; status?: string; surveyId?: string }> };
    expect(body.results.map((r) => r.row)).toEqual(rows.map((_, i) => i + 1));
    expect(body).toMatchObject({ accepted: 21, rejected: 1 });
    expect(body.results[10]).toMatchObject({ ok: false });
    // Rows 4 and 10 are one customer: one of them started the survey, the other found it open.
    const twice = [body.results[3]!, body.results[9]!];
    expect(twice.map((r) => r.status).sort()).toEqual(['already_open', 'queued']);
    expect(new Set(twice.map((r) => r.surveyId)).size).toBe(1);
    expect(await app.store.surveys.model.countDocuments({ address: { $in: addresses } })).toBe(20);
  });

  it('answers 409 for Telegram links while Telegram is not enabled, and stores no invitation', async () => {
    const { app } = server;
    const made = await app.inject({ method: 'POST', url: '/api/invitations', headers: { 'x-api-key': key }, payload: { kind: 'nps' } });
    expect(made.statusCode).toBe(409);
    expect(made.json().detail).toMatch(/^telegram is not enabled: give the business its Telegram identity/);
    expect(await app.store.invitations.model.countDocuments({})).toBe(0);
    expect((await app.inject({ method: 'GET', url: '/api/links/telegram', headers: { 'x-api-key': key } })).statusCode).toBe(409);
  });
});

describe('REST API without API_KEY (no key stored)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await buildTestServer({ SWEEP_INTERVAL: '0' });
  });
  afterAll(() => server?.close());

  it('refuses the key with 401, and a stored key reaches the first version paths as it reaches /api/v1', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/api/stats', headers: { 'x-api-key': key } });
    expect(res.statusCode).toBe(401);
    const made = await server.app.store.apiKeys.create({ businessId: 'default', name: 'export only', scopes: ['export'] });
    const get = (url: string) => server.app.inject({ method: 'GET', url, headers: { 'x-api-key': made.key } });
    // The same scopes: an export key exports through either path, and reads no stats through either.
    expect((await get('/api/stats')).statusCode).toBe(403);
    expect((await get('/api/v1/stats')).statusCode).toBe(403);
    const [old, v1] = [await get('/api/export.jsonl?kind=nps'), await get('/api/v1/surveys/export?format=jsonl&kind=nps')];
    expect([old.statusCode, old.headers['content-type']]).toEqual([200, v1.headers['content-type']]);
    expect(old.body).toBe(v1.body);
    expect((await get('/api/export.jsonl?kind=fax')).statusCode).toBe(400);
  });
});
