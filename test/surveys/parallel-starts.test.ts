import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { TestClock } from '../helpers/clock.js';

/** Many requests to survey one brand-new customer at the same moment: one survey, no server error. */
describe('parallel starts for one new customer', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  const apiKey = 'k'.repeat(32);
  let server: TestServer;
  beforeAll(async () => {
    server = await buildTestServer({ WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0', API_KEY: apiKey }, { now: clock.now });
  });
  afterAll(() => server?.close());

  it('50 at once over the API: exactly one survey, zero 5xx', async () => {
    const address = 'v_0123456789abcdef0123456789abcdef';
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        server.app.inject({ method: 'POST', url: '/api/v1/surveys', headers: { 'x-api-key': apiKey }, payload: { kind: 'nps', channel: 'web', address } }),
      ),
    );
    const statuses = responses.map((r) => r.statusCode);
    const serverErrors = statuses.filter((s) => s >= 500).length;
    const open = responses.filter((r) => r.json().status === 'already_open').length;
    console.log(`parallel starts: 50 requests, ${statuses.filter((s) => s === 201).length} started, ${open} already open, ${serverErrors} 5xx`);
    expect(serverErrors).toBe(0);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(await server.app.store.surveys.model.countDocuments({ address })).toBe(1);
    expect(await server.app.store.customers.model.countDocuments({ address })).toBe(1);
  });
});
