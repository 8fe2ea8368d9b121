import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../helpers/clock.js';
import type { TestServer } from '../../helpers/build.js';
import { visitor } from '../../staff/web-chat.js';
import { buildV1Server, envKey, makeKey, secondBusiness, v1 } from './v1-server.js';

const clock = new TestClock('2026-03-10T15:00:00Z');
let server: TestServer;
let readKey: string;
let otherKey: string;
beforeAll(async () => {
  server = await buildV1Server({}, clock);
  readKey = await makeKey(server.app, 'default', ['surveys:read']);
  secondBusiness(server.app);
  otherKey = await makeKey(server.app, 'second', ['surveys:read', 'surveys:write']);
});
afterAll(() => server?.close());

describe('POST /api/v1/surveys', () => {
  it('starts one survey (201), says when one is already open (200), and shows it', async () => {
    const { app } = server;
    const payload = { kind: 'csat', channel: 'web', address: visitor(), name: 'Ana', context: 'order 1042' };
    const res = await v1(app, envKey, 'POST', '/surveys', payload);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ ok: true, status: 'sent', surveyId: expect.stringMatching(/^[a-f0-9]{24}$/) });
    const again = await v1(app, envKey, 'POST', '/surveys', payload);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ ok: true, status: 'already_open', surveyId: res.json().surveyId });

    const shown = await v1(app, readKey, 'GET', `/surveys/${res.json().surveyId}`);
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toMatchObject({ kind: 'csat', channel: 'web', state: 'invited', customerName: 'Ana', context: 'order 1042', trigger: 'api', invitedAt: clock.now().toISOString() });
    expect(shown.json().delivery).toMatchObject({ status: expect.any(String) });
  });

  it('names each wrong field of one survey, the address included', async () => {
    const { app } = server;
    const bad = await v1(app, envKey, 'POST', '/surveys', { kind: 'xyz', channel: 'web' });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(bad.json().errors.map((e: { field: string }) => e.field)).toEqual(['kind', 'address']);
    const phone = await v1(app, envKey, 'POST', '/surveys', { kind: 'nps', channel: 'sms', address: '555' });
    expect(phone.statusCode).toBe(400);
    expect(phone.json().errors).toEqual([{ field: 'address', message: expect.stringMatching(/not a valid phone number/) }]);
  });

  it('takes a JSON array or a CSV upload with a result per row, and refuses more than 1000 rows', async () => {
    const { app } = server;
    const rows = [{ kind: 'nps', channel: 'web', address: visitor() }, { kind: 'nps', channel: 'fax', address: visitor() }];
    const array = await v1(app, envKey, 'POST', '/surveys', rows);
    expect(array.statusCode).toBe(200);
    expect(array.json()).toMatchObject({ accepted: 1, rejected: 1, results: [{ row: 1, ok: true, status: 'queued' }, { row: 2, ok: false, error: expect.stringMatching(/^channel: /) }] });

    const csv = ['kind,channel,address,name', `ces,web,${visitor()},"Lee, Jr."`].join('\r\n');
    const upload = await v1(app, envKey, 'POST', '/surveys', csv, { 'content-type': 'text/csv' });
    expect(upload.statusCode).toBe(200);
    expect(upload.json()).toMatchObject({ accepted: 1, rejected: 0 });

    const many = Array.from({ length: 1001 }, () => ({ kind: 'nps', channel: 'web', address: 'v_x' }));
    const tooMany = await v1(app, envKey, 'POST', '/surveys', many);
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json()).toMatchObject({ status: 400, detail: 'at most 1000 rows per request' });
  });

  it('refuses a survey on a channel the business does not send on, one object or one row, and stores nothing', async () => {
    const { app } = server;
    const before = await app.store.surveys.model.countDocuments({});
    const one = await v1(app, envKey, 'POST', '/surveys', { kind: 'nps', channel: 'sms', address: '+14155550100' });
    expect(one.statusCode).toBe(400);
    expect(one.json().errors).toEqual([{ field: 'channel', message: 'sms is not enabled for this business' }]);
    const rows = [{ kind: 'nps', channel: 'telegram', address: '123456789' }, { kind: 'nps', channel: 'web', address: visitor() }];
    const upload = await v1(app, envKey, 'POST', '/surveys', rows);
    expect(upload.json()).toMatchObject({ accepted: 1, rejected: 1, results: [{ row: 1, ok: false, error: 'channel: telegram is not enabled for this business' }, { row: 2, ok: true, status: 'queued' }] });
    expect(await app.store.surveys.model.countDocuments({})).toBe(before + 1);
    expect(await app.store.customers.model.countDocuments({ channel: { $in: ['sms', 'telegram'] } })).toBe(0);
  });

  it('needs surveys:write', async () => {
    const res = await v1(server.app, readKey, 'POST', '/surveys', { kind: 'nps', channel: 'web', address: visitor() });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ status: 403, title: 'Forbidden', detail: 'this API key lacks the scope surveys:write' });
  });
});

describe('GET /api/v1/surveys', () => {
  it('pages through every matching survey, newest first, with an opaque cursor', async () => {
    const { app } = server;
    const started: string[] = [];
    for (let i = 0; i < 7; i++) {
      clock.advance(60_000);
      const res = await v1(app, envKey, 'POST', '/surveys', { kind: 'ces', channel: 'web', address: visitor(), tags: ['paging'] });
      started.push(res.json().surveyId);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await v1(app, readKey, 'GET', `/surveys?tag=paging&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const body = res.json() as { items: Array<{ id: string; tags: string[] }>; next: string | null };
      expect(body.items.length).toBeLessThanOrEqual(3);
      seen.push(...body.items.map((s) => s.id));
      cursor = body.next;
      if (cursor) expect(cursor).not.toMatch(/^[a-f0-9]{24}$/);
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([...started].reverse());
  });

  it('filters by kind, channel, state, band, customer and invitation time', async () => {
    const { app } = server;
    const from = new Date(clock.now().getTime() + 1).toISOString();
    clock.advance(3_600_000);
    const address = visitor();
    const made = await v1(app, envKey, 'POST', '/surveys', { kind: 'nps', channel: 'web', address });
    const survey = await app.store.surveys.byId(made.json().surveyId);
    const ids = async (query: string) => {
      const res = await v1(app, readKey, 'GET', `/surveys?${query}`);
      expect(res.statusCode, res.body).toBe(200);
      return (res.json().items as Array<{ id: string }>).map((s) => s.id);
    };
    expect(await ids(`from=${from}`)).toEqual([survey!.id]);
    expect(await ids(`customerId=${survey!.customerId}`)).toEqual([survey!.id]);
    expect(await ids(`from=${from}&kind=csat`)).toEqual([]);
    expect(await ids(`from=${from}&kind=nps&channel=web&state=invited`)).toEqual([survey!.id]);
    expect(await ids(`from=${from}&band=detractor`)).toEqual([]);
    expect(await ids(`to=${from}&customerId=${survey!.customerId}`)).toEqual([]);
  });

  it('refuses a limit over 200, an unknown filter and a forged cursor, naming each', async () => {
    const { app } = server;
    const res = await v1(app, readKey, 'GET', '/surveys?limit=201&colour=red');
    expect(res.statusCode).toBe(400);
    expect(res.json().errors.map((e: { field: string }) => e.field).sort()).toEqual(['colour', 'limit']);
    const forged = await v1(app, readKey, 'GET', '/surveys?cursor=abc');
    expect(forged.statusCode).toBe(400);
    expect(forged.json().errors).toEqual([{ field: 'cursor', message: 'not a cursor from a previous page' }]);
  });
});

describe('one business cannot see another', () => {
  it("a second business's key reads only its own surveys", async () => {
    const { app } = server;
    const mine = (await v1(app, envKey, 'POST', '/surveys', { kind: 'nps', channel: 'web', address: visitor() })).json().surveyId as string;
    const theirs = await v1(app, otherKey, 'POST', '/surveys', { kind: 'nps', channel: 'web', address: visitor() });
    expect(theirs.statusCode).toBe(201);
    expect((await app.store.surveys.byId(theirs.json().surveyId))?.businessId).toBe('second');

    const peek = await v1(app, otherKey, 'GET', `/surveys/${mine}`);
    expect(peek.statusCode).toBe(404);
    expect(peek.json()).toMatchObject({ status: 404, detail: `no survey ${mine}` });
    const list = (await v1(app, otherKey, 'GET', '/surveys?limit=200')).json().items as Array<{ id: string }>;
    expect(list.map((s) => s.id)).toEqual([theirs.json().surveyId]);
    const customer = (await app.store.surveys.byId(mine))!.customerId;
    expect((await v1(app, otherKey, 'GET', `/surveys?customerId=${customer}`)).json().items).toEqual([]);
    expect((await v1(app, readKey, 'GET', `/surveys/${theirs.json().surveyId}`)).statusCode).toBe(404);
  });
});
