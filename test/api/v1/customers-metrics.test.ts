import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { periodStats, rangeStats, statsJson } from '../../../src/digest/stats.js';
import { TestClock } from '../../helpers/clock.js';
import type { TestServer } from '../../helpers/build.js';
import { say, visitor } from '../../staff/web-chat.js';
import { buildV1Server, envKey, makeKey, secondBusiness, v1 } from './v1-server.js';

const clock = new TestClock('2026-03-10T15:00:00Z');
let server: TestServer;
beforeAll(async () => {
  server = await buildV1Server({}, clock);
  secondBusiness(server.app);
});
afterAll(() => server?.close());

/** A web survey started by the API and answered in the chat: `score`, then a comment. */
async function answered(kind: 'nps' | 'csat', score: string) {
  const { app } = server;
  const address = visitor();
  const res = await v1(app, envKey, 'POST', '/surveys', { kind, channel: 'web', address, name: 'Ana', tags: ['walk-in'] });
  await say(app, address, score);
  await say(app, address, 'fine');
  return (await app.store.surveys.byId(res.json().surveyId))!;
}

describe('customers', () => {
  it('shows a customer and replaces its tags; later surveys carry them', async () => {
    const { app } = server;
    const survey = await answered('nps', '9');
    const shown = await v1(app, envKey, 'GET', `/customers/${survey.customerId}`);
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toMatchObject({ id: survey.customerId, channel: 'web', name: 'Ana', tags: ['walk-in'], optedOut: false });

    const patched = await v1(app, envKey, 'PATCH', `/customers/${survey.customerId}`, { tags: ['vip', 'vip', 'berlin'] });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().tags).toEqual(['vip', 'berlin']);
    expect((await app.store.customers.byId(survey.customerId, 'default'))?.tags).toEqual(['vip', 'berlin']);
  });

  it("needs surveys:write to change tags, and never touches another business's customer", async () => {
    const { app } = server;
    const survey = await answered('csat', '5');
    const reader = await makeKey(app, 'default', ['surveys:read']);
    expect((await v1(app, reader, 'PATCH', `/customers/${survey.customerId}`, { tags: [] })).statusCode).toBe(403);
    const other = await makeKey(app, 'second', ['surveys:read', 'surveys:write']);
    expect((await v1(app, other, 'GET', `/customers/${survey.customerId}`)).statusCode).toBe(404);
    expect((await v1(app, other, 'PATCH', `/customers/${survey.customerId}`, { tags: ['mine'] })).statusCode).toBe(404);
    expect((await app.store.customers.byId(survey.customerId, 'default'))?.tags).toEqual(['walk-in']);
  });
});

describe('metrics', () => {
  it('are the numbers of /stats and the digest counters, for any period and kind', async () => {
    const { app } = server;
    await answered('nps', '10');
    await answered('nps', '3');
    const to = clock.now();
    const from = new Date(to.getTime() - 6 * 86_400_000);
    const res = await v1(app, envKey, 'GET', `/metrics?from=${from.toISOString()}&to=${to.toISOString()}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.kinds).toEqual(JSON.parse(JSON.stringify(statsJson(await rangeStats(app.store, (await app.businesses.get('default'))!.settings, from, to)).kinds)));
    const stats = await v1(app, envKey, 'GET', '/stats?period=7d');
    expect(stats.json()).toEqual(JSON.parse(JSON.stringify(statsJson(await periodStats(app.store, (await app.businesses.get('default'))!.settings, to, 7)))));
    expect(body.kinds).toEqual(stats.json().kinds);
    const legacy = await app.inject({ method: 'GET', url: '/api/stats?period=7d', headers: { 'x-api-key': envKey } });
    expect(legacy.json()).toEqual(stats.json());

    const nps = body.kinds.find((k: { kind: string }) => k.kind === 'nps');
    expect(nps).toMatchObject({ n: 3, sent: 3, score: 33.3, responseRate: 1 });
    const only = await v1(app, envKey, 'GET', '/metrics?kind=csat');
    expect(only.json().kinds.map((k: { kind: string }) => k.kind)).toEqual(['csat']);
  });

  it("count only the key's business", async () => {
    const other = await makeKey(server.app, 'second', ['surveys:read']);
    const res = await v1(server.app, other, 'GET', '/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.json().kinds).toEqual([]);
  });

  it('refuses a period that ends before it starts, or a date that is not ISO 8601', async () => {
    const backwards = await v1(server.app, envKey, 'GET', '/metrics?from=2026-03-10T00:00:00Z&to=2026-03-01T00:00:00Z');
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().errors).toEqual([{ field: 'from', message: 'must not be after to' }]);
    const notDate = await v1(server.app, envKey, 'GET', '/metrics?from=yesterday');
    expect(notDate.json().errors.map((e: { field: string }) => e.field)).toEqual(['from']);
  });
});

describe('staff and links', () => {
  it('adds staff with an admin key only', async () => {
    const { app } = server;
    const address = visitor();
    const writer = await makeKey(app, 'default', ['surveys:write', 'surveys:read']);
    expect((await v1(app, writer, 'POST', '/staff', { channel: 'web', address })).statusCode).toBe(403);
    const added = await v1(app, envKey, 'POST', '/staff', { channel: 'web', address, role: 'owner', name: 'Olu' });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toEqual({ added: true, role: 'owner' });
    expect((await v1(app, envKey, 'POST', '/staff', { channel: 'web', address })).json()).toEqual({ added: false, role: 'owner' });
    expect((await (await app.businesses.get('default'))!.staff.identify('web', address))?.role).toBe('owner');
  });

  it('answer 409 while Telegram is not enabled', async () => {
    const link = await v1(server.app, envKey, 'GET', '/links/telegram?kind=csat');
    expect(link.statusCode).toBe(409);
    expect(link.json()).toMatchObject({ type: 'urn:survey-bot:problem:conflict', detail: expect.stringMatching(/Telegram identity/) });
    expect((await v1(server.app, envKey, 'POST', '/invitations', { kind: 'nps' })).statusCode).toBe(409);
  });
});
