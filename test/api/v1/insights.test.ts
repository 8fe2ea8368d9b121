import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../helpers/build.js';
import { TestClock } from '../../helpers/clock.js';
import { say, visitor } from '../../staff/web-chat.js';
import { buildV1Server, envKey, makeKey, secondBusiness, v1 } from './v1-server.js';

describe('insights through /api/v1', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let server: TestServer;
  beforeAll(async () => {
    server = await buildV1Server({}, clock);
    secondBusiness(server.app);
  });
  afterAll(() => server?.close());

  const purchase = (id: string, externalId: string) => ({ type: 'purchase', at: '2026-03-09T10:00:00Z', source: 'shop', sourceEventId: id, customer: { externalId }, attributes: { product: 'Sourdough', amount: 6.5 } });

  it('records events idempotently, as JSON or CSV, with a result for each', async () => {
    const { app } = server;
    const first = await v1(app, envKey, 'POST', '/events', [purchase('o-1', 'c-9'), { type: 'delivery', at: 'yesterday', source: 'shop', sourceEventId: 'd-1', customer: { externalId: 'c-9' }, attributes: { onTime: false } }]);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ created: 1, duplicates: 0, rejected: 1 });
    expect(first.json().results[1].reason).toMatch(/^at: /);
    expect((await v1(app, envKey, 'POST', '/events', [purchase('o-1', 'c-9')])).json()).toMatchObject({ created: 0, duplicates: 1 });
    const csv = ['type,at,source,sourceEventId,externalId,product,amount', 'purchase,2026-03-09T11:00:00Z,shop,o-2,c-10,Croissant,3'].join('\n');
    expect((await v1(app, envKey, 'POST', '/events', csv, { 'content-type': 'text/csv' })).json()).toMatchObject({ created: 1 });
    expect((await v1(app, await makeKey(app, 'default', ['surveys:read']), 'POST', '/events', [purchase('o-3', 'c-9')])).statusCode).toBe(403);
  });

  it("shows one person's timeline, and nothing of another business's", async () => {
    const { app } = server;
    const address = visitor();
    const started = await v1(app, envKey, 'POST', '/surveys', { kind: 'nps', channel: 'web', address });
    await say(app, address, '4');
    const customer = (await app.store.surveys.byId(started.json().surveyId))!.customerId;
    const timeline = await v1(app, envKey, 'GET', `/customers/${customer}/timeline`);
    expect(timeline.statusCode).toBe(200);
    expect(JSON.stringify(timeline.json())).toContain('"score":4');
    expect((await v1(app, await makeKey(app, 'second', ['surveys:read']), 'GET', `/customers/${customer}/timeline`)).statusCode).toBe(404);
  });

  it('answers the cohort, drops and themes reports, and names a bad query field', async () => {
    const { app } = server;
    expect((await v1(app, envKey, 'GET', '/metrics/cohorts?kind=nps&by=channel&from=2026-02-01&to=2026-03-10')).statusCode).toBe(200);
    expect((await v1(app, envKey, 'GET', '/insights/drops?from=2026-01-01&to=2026-03-10')).statusCode).toBe(200);
    expect((await v1(app, envKey, 'GET', '/insights/themes?from=2026-01-01&to=2026-03-10&kind=nps')).statusCode).toBe(200);
    const bad = await v1(app, envKey, 'GET', '/metrics/cohorts?kind=nps&by=planet&from=2026-02-01&to=2026-03-10');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toMatch(/by/);
    expect((await v1(app, envKey, 'GET', '/insights/drops?from=2026-01-01&to=2026-03-10&color=red')).statusCode).toBe(400);
  });
});
