import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { TestClock } from '../helpers/clock.js';
import { startFakeTwilio, twimlMessages, type FakeTwilio } from '../helpers/fake-twilio.js';
import { accountSid, authToken, publicUrl, smsEnv } from '../channels/sms/harness.js';

const apiKey = 'k_test_back_to_back_0123456789abcdef';

/**
 * Two surveys on one address with the same invitation time: the second started in the very
 * millisecond the first ended (a clock that has not moved on), or both held for the same opening of
 * the send window. The customer's next answer belongs to the one still open, whichever of the two a
 * read by invitation time lists first.
 */
describe('a survey started in the millisecond the previous one on its address ended', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let fake: FakeTwilio;
  let server: TestServer;

  beforeAll(async () => {
    fake = await startFakeTwilio({ accountSid, authToken, publicUrl });
    server = await buildTestServer(smsEnv(fake, { SWEEP_INTERVAL: '0', THROTTLE_DAYS: '0', API_KEY: apiKey }), { now: clock.now });
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  const start = async (address: string) => {
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/surveys', headers: { 'x-api-key': apiKey }, payload: { kind: 'nps', channel: 'sms', address } });
    expect(res.statusCode).toBe(201);
    return (res.json() as { surveyId: string }).surveyId;
  };
  const surveyOf = async (id: string) => {
    const res = await server.app.inject({ method: 'GET', url: `/api/v1/surveys/${id}`, headers: { 'x-api-key': apiKey } });
    return res.json() as { state: string; score?: number; comment?: string };
  };

  it('takes the next answer into the new survey, not the ended one', async () => {
    const customer = '+14155550177';
    const first = await start(customer);
    await fake.receive(server.app, { from: customer, body: '9' });
    await fake.receive(server.app, { from: customer, body: 'Friendly staff' });
    expect(await surveyOf(first)).toMatchObject({ state: 'completed', score: 9, comment: 'Friendly staff' });

    // Same millisecond: the clock has not moved since the first survey started and ended.
    const second = await start(customer);
    const answer = await fake.receive(server.app, { from: customer, body: '4' });
    expect(twimlMessages(answer.body)).toEqual([expect.stringMatching(/better/i)]);
    expect(await surveyOf(second)).toMatchObject({ state: 'awaiting_comment', score: 4 });
    expect(await surveyOf(first)).toMatchObject({ state: 'completed', score: 9, comment: 'Friendly staff' });
  });
});
