import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/build.js';
import { TestClock } from '../helpers/clock.js';
import { startFakeTwilio, type FakeTwilio } from '../helpers/fake-twilio.js';
import { buildV1Server, envKey, v1 } from '../api/v1/v1-server.js';

/**
 * Cohorts by preceding event and by first-purchase month count the answers, not only the sends:
 * everything arrives as a user's systems send it (events through the API, the survey started through
 * the API, the answer as a signed Twilio webhook), and the report is read through the API.
 */
describe('event and first-purchase cohorts receive the answer', () => {
  const clock = new TestClock('2026-03-10T12:00:00Z');
  const publicUrl = 'https://bot.example.test';
  const accountSid = 'AC0123456789abcdef0123456789abcdef';
  const authToken = 'cohort-auth-token-0123456789';
  let fake: FakeTwilio;
  let server: TestServer;
  beforeAll(async () => {
    fake = await startFakeTwilio({ accountSid, authToken, publicUrl });
    server = await buildV1Server(
      { TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken, TWILIO_FROM: '+15005550006', TWILIO_API_BASE_URL: fake.baseUrl, PUBLIC_URL: publicUrl, SEND_WINDOW: '00:00-24:00' },
      clock,
    );
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  it('counts a late-delivery customer\'s score in event:delivery.onTime=false and in their first-purchase month', async () => {
    const { app } = server;
    const late = '+14155550181';
    const onTime = '+14155550182';
    const events = [
      { type: 'purchase', at: '2026-01-05T10:00:00Z', source: 'shop', sourceEventId: 'p-1', customer: { phone: late }, attributes: { product: 'Kettle' } },
      { type: 'delivery', at: '2026-03-08T10:00:00Z', source: 'shop', sourceEventId: 'd-1', customer: { phone: late }, attributes: { onTime: false } },
      { type: 'delivery', at: '2026-03-08T10:00:00Z', source: 'shop', sourceEventId: 'd-2', customer: { phone: onTime }, attributes: { onTime: true } },
    ];
    const recorded = await v1(app, envKey, 'POST', '/events', events);
    expect(recorded.json()).toMatchObject({ created: 3, rejected: 0 });
    for (const [address, answer] of [[late, '2'], [onTime, '9']] as const) {
      const started = await v1(app, envKey, 'POST', '/surveys', { kind: 'nps', channel: 'sms', address });
      expect(started.statusCode).toBe(201);
      const res = await fake.receive(app, { from: address, body: answer });
      expect(res.statusCode).toBe(200);
    }

    const cohorts = async (by: string) => {
      const res = await v1(app, envKey, 'GET', `/metrics/cohorts?kind=nps&by=${by}&from=2026-03-10&to=2026-03-10`);
      expect(res.statusCode).toBe(200);
      return (res.json().periods[0].groups as Array<{ group: string; n: number; score: number }>).map((g) => [g.group, g.n, g.score]);
    };
    // One detractor after the late delivery (−100), one promoter after the on-time one (+100).
    expect(await cohorts('event')).toEqual(expect.arrayContaining([['delivery.onTime=false', 1, -100], ['delivery.onTime=true', 1, 100], ['delivery', 2, 0]]));
    expect(await cohorts('first_purchase_month')).toEqual([['2026-01', 1, -100]]);
  });
});
