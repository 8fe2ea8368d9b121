import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvents } from '../../src/insights/events.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { TestClock } from '../helpers/clock.js';
import { ferretDbUri, uniqueDbName } from '../helpers/database.js';
import { startFakeTwilio, type FakeTwilio } from '../helpers/fake-twilio.js';
import { accountSid, authToken, publicUrl, smsEnv } from '../channels/sms/harness.js';

/**
 * A survey started after another system's events counts in their `event:` cohorts: read from the
 * customer record the start reads anyway (no round trip of its own), kept to 20 per customer.
 */
describe.each([
  ['the suite database', undefined],
  ['FerretDB', () => `${ferretDbUri().replace(/\/+$/, '')}/${uniqueDbName('events')}`],
])('event cohorts on %s', (_name, uri) => {
  const clock = new TestClock('2026-03-10T12:00:00Z');
  let server: TestServer;
  let fake: FakeTwilio;
  beforeAll(async () => {
    fake = await startFakeTwilio({ accountSid, authToken, publicUrl });
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  it('puts a survey after a late delivery in the late-delivery cohort, and forgets events older than 30 days', async () => {
    server = await buildTestServer(smsEnv(fake, { SWEEP_INTERVAL: '0', THROTTLE_DAYS: '0', SEND_WINDOW: '00:00-24:00', ...(uri ? { MONGODB_URI: uri() } : {}) }), { now: clock.now });
    const { app } = server;
    const phone = '+14155550177';
    const options = { country: 'US', now: clock.now() };
    const events = [
      { type: 'delivery', at: '2026-03-08T10:00:00Z', source: 'shop', sourceEventId: 'd-1', customer: { phone }, attributes: { onTime: false, daysLate: 3 } },
      { type: 'purchase', at: '2026-01-02T10:00:00Z', source: 'shop', sourceEventId: 'p-old', customer: { phone }, attributes: { product: 'Kettle' } },
      ...Array.from({ length: 25 }, (_, i) => ({ type: 'web_visit', at: `2026-03-0${1 + (i % 7)}T0${i % 10}:00:00Z`, source: 'web', sourceEventId: `w-${i}`, customer: { phone }, attributes: { page: `/p${i}` } })),
    ];
    expect((await recordEvents(app.store, 'default', events, options)).every((r) => r.status === 'created')).toBe(true);
    const customer = (await app.store.customers.find({ businessId: 'default', channel: 'sms', address: phone }))!;
    expect(customer.recentEvents?.length).toBeLessThanOrEqual(20);

    const features = (customer.recentEvents ?? []).map((e) => e.feature);
    expect(features).toContain('delivery.onTime=false');
    expect(features).not.toContain('purchase.product=Kettle'); // the newest 20 only

    // Their survey counts in the late-delivery cohort.
    const started = await (await app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'sms', address: phone, trigger: 'api' });
    const stored = await app.store.surveys.model.findOne({ _id: (started as { surveyId: string }).surveyId }).lean();
    expect(stored?.precededBy).toEqual(expect.arrayContaining(['delivery', 'delivery.onTime=false']));
    expect(stored?.precededBy).not.toContain('purchase');
    const counted = await app.store.rollups.read('default', { from: '2026-03-09', to: '2026-03-09' });
    expect(counted.filter((r) => r.cohort === 'event:delivery.onTime=false').map((r) => [r.sent, r.scored])).toEqual([[1, 0]]);
    // Their first purchase (January, though too old for the event cohorts) names their first-purchase cohort.
    expect(stored?.firstPurchaseMonth).toBe('2026-01');
    expect(counted.filter((r) => r.cohort === 'first_purchase_month:2026-01').map((r) => [r.sent, r.scored])).toEqual([[1, 0]]);
  });
});
