import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { BusinessOperations } from '../../src/businesses/operations.js';
import { newSigningSecret } from '../../src/outbound-webhooks/signature.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { hours, TestClock } from '../helpers/clock.js';
import { say, visitor } from '../staff/web-chat.js';
import { readmeVerifier, startReceiver, type Receiver, type Verify } from './receiver.js';

interface Body {
  id: string;
  type: string;
  createdAt: string;
  businessId: string;
  data: Record<string, unknown>;
}

describe('outbound webhooks', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let server: TestServer;
  let receiver: Receiver;
  let otherReceiver: Receiver;
  let verify: Verify;
  let secret = '';
  let subscriptionId = '';

  beforeAll(async () => {
    [server, receiver, otherReceiver, verify] = await Promise.all([
      buildTestServer({ WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' }, { now: clock.now }),
      startReceiver(),
      startReceiver(),
      readmeVerifier(),
    ]);
    const all = ['survey.scored', 'survey.completed', 'survey.expired', 'customer.opted_out', 'detractor.alert'];
    const created = await server.app.outboundWebhooks.subscribe('default', { url: receiver.url, events: all });
    [secret, subscriptionId] = [created.secret, created.subscription.id];
    // Another business on the same server, listening to everything.
    await server.app.outboundWebhooks.subscribe('other-shop', { url: otherReceiver.url, events: all });
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
    await otherReceiver?.close();
  });

  /** Let background queueing finish, and run the sweeper as the timer would. */
  const settle = async () => {
    await server.app.outboundWebhooks.drain();
    await server.app.sweeper.sweep();
  };
  const bodies = (r: Receiver = receiver) => r.received.map((x) => JSON.parse(x.body) as Body);
  const forSurvey = (surveyId: string) => bodies().filter((b) => b.data.surveyId === surveyId);
  const forCustomer = (customerId: string | undefined) => bodies().filter((b) => b.type === 'customer.opted_out' && b.data.customerId === customerId);

  it('a web-chat survey sends each of its events once, signed as the README shows', async () => {
    const { app } = server;
    const customer = visitor();
    const started = await (await app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'web', address: customer, name: 'Ana', context: 'order 1042' });
    const surveyId = started.status === 'sent' ? started.surveyId : '';
    clock.advance(60_000);
    await say(app, customer, '3');
    clock.advance(60_000);
    await say(app, customer, 'cold food');
    await settle();
    await settle();

    const events = forSurvey(surveyId);
    expect(events.map((e) => e.type).sort()).toEqual(['detractor.alert', 'survey.completed', 'survey.scored']);
    expect(events.map((e) => e.id).sort()).toEqual([`detractor.alert:${surveyId}`, `survey.completed:${surveyId}`, `survey.scored:${surveyId}`]);
    const completed = events.find((e) => e.type === 'survey.completed');
    expect(completed).toMatchObject({ businessId: 'default', createdAt: '2026-03-10T15:02:00.000Z', data: { surveyId, kind: 'nps', channel: 'web', score: 3, band: 'detractor', reason: null, comment: 'cold food' } });
    expect(events.find((e) => e.type === 'survey.scored')?.data).not.toHaveProperty('comment');
    for (const r of receiver.received) {
      expect(JSON.stringify(r)).not.toMatch(/Ana|1042|v_[a-f0-9]{32}/); // no name, context or chat address
      expect(r.headers['content-type']).toBe('application/json');
      const id = r.headers['webhook-id'];
      expect(id).toBe((JSON.parse(r.body) as Body).id);
      expect(r.headers['x-survey-signature']).toBeUndefined();
      expect(String(r.headers['webhook-signature'])).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      const now = clock.now().getTime();
      expect(verify(secret, r.headers, r.body, now)).toBe(true);
      expect(verify(secret, r.headers, Buffer.from(r.body), now)).toBe(true);
      expect(verify(secret, r.headers, r.body.replace('"nps"', '"csat"'), now)).toBe(false);
      expect(verify(secret, { ...r.headers, 'webhook-id': `${String(id)}x` }, r.body, now)).toBe(false);
      expect(verify(newSigningSecret(), r.headers, r.body, now)).toBe(false);
      expect(verify(secret, r.headers, r.body, now + 6 * 60_000)).toBe(false);
      // The specification's reference library accepts it as sent, and nothing else.
      const reference = new Webhook(secret);
      vi.setSystemTime(now);
      try {
        expect(reference.verify(r.body, r.headers as Record<string, string>)).toEqual(JSON.parse(r.body));
        expect(() => reference.verify(r.body.replace('"nps"', '"csat"'), r.headers as Record<string, string>)).toThrow();
      } finally {
        vi.useRealTimers();
      }
    }
    const deliveries = await app.outboundWebhooks.deliveries('default', subscriptionId, 10);
    expect(deliveries.filter((d) => d.eventId.endsWith(surveyId)).map((d) => [d.status, d.attempts, d.lastAttempts.map((a) => a.status)])).toEqual([
      ['delivered', 1, [200]],
      ['delivered', 1, [200]],
      ['delivered', 1, [200]],
    ]);
  });

  it("survey.completed carries the key of the reason the customer chose, when the business asks one", async () => {
    const { app } = server;
    const reasonQuestion = { enabled: true, skipPromoters: false, choices: [{ key: 'delivery', labels: { en: 'Delivery' } }, { key: 'price', labels: { en: 'Price' } }] };
    await BusinessOperations.of(app).change('default', { reasonQuestion });
    try {
      const customer = visitor();
      const started = await (await app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'web', address: customer });
      const surveyId = started.status === 'sent' ? started.surveyId : '';
      await say(app, customer, '4');
      await say(app, customer, 'price');
      await say(app, customer, 'too dear');
      await settle();
      const completed = forSurvey(surveyId).find((e) => e.type === 'survey.completed');
      expect(completed?.data).toMatchObject({ surveyId, score: 4, reason: 'price', comment: 'too dear' });
      expect(forSurvey(surveyId).find((e) => e.type === 'survey.scored')?.data).not.toHaveProperty('reason');
    } finally {
      await BusinessOperations.of(app).change('default', { reasonQuestion: { ...reasonQuestion, enabled: false } });
    }
  });

  it('an opt-out and an expiry send theirs', async () => {
    const { app } = server;
    const [stopper, silent] = [visitor(), visitor()];
    const stopped = await (await app.businesses.get('default'))!.surveys.start({ kind: 'csat', channel: 'web', address: stopper });
    const expiring = await (await app.businesses.get('default'))!.surveys.start({ kind: 'ces', channel: 'web', address: silent });
    await say(app, stopper, 'STOP');
    await settle();
    clock.advance(hours(73));
    await settle();
    await settle();
    const stoppedId = stopped.status === 'sent' ? stopped.surveyId : '';
    const expiredId = expiring.status === 'sent' ? expiring.surveyId : '';
    const customerId = (await app.store.surveys.byId(stoppedId))?.customerId;
    expect(forSurvey(stoppedId)).toEqual([]);
    expect(forCustomer(customerId)).toEqual([{ id: `customer.opted_out:${customerId}:${Date.parse('2026-03-10T15:02:00Z')}`, type: 'customer.opted_out', createdAt: '2026-03-10T15:02:00.000Z', businessId: 'default', data: { customerId, channel: 'web', source: 'customer' } }]);
    expect(forSurvey(expiredId).map((e) => [e.id, e.data.reason])).toEqual([[`survey.expired:${expiredId}`, 'no_answer']]);
  });

  it('an opt-out with no survey open sends its event too; a repeated STOP does not, opting out again does', async () => {
    const { app } = server;
    const customer = visitor();
    const started = await (await app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'web', address: customer });
    const customerId = started.status === 'sent' ? (await app.store.surveys.byId(started.surveyId))?.customerId : '';
    await say(app, customer, '10');
    await say(app, customer, 'SKIP');
    await say(app, customer, 'STOP');
    await say(app, customer, 'STOP');
    await settle();
    clock.advance(60_000);
    await say(app, customer, 'START');
    await say(app, customer, 'STOP');
    await settle();
    expect(forCustomer(customerId).map((e) => e.createdAt)).toEqual(['2026-03-13T16:02:00.000Z', '2026-03-13T16:03:00.000Z']);
  });

  it('another business gets nothing of this one, and cannot see or remove its subscription', async () => {
    const { app } = server;
    expect(bodies(otherReceiver)).toEqual([]);
    expect((await app.outboundWebhooks.list('other-shop')).map((s) => s.url)).toEqual([otherReceiver.url]);
    await expect(app.outboundWebhooks.deliveries('other-shop', subscriptionId)).rejects.toMatchObject({ statusCode: 404 });
    await expect(app.outboundWebhooks.remove('other-shop', subscriptionId)).rejects.toMatchObject({ statusCode: 404 });
    expect((await app.outboundWebhooks.list('default')).map((s) => s.id)).toEqual([subscriptionId]);
  });

  it('keeps the secret sealed: never listed, never stored in clear', async () => {
    const { app } = server;
    const listed = await app.outboundWebhooks.list('default');
    expect(JSON.stringify(listed)).not.toContain(secret);
    expect(listed[0]).not.toHaveProperty('secretSealed');
    const stored = await app.store.webhookSubscriptions.model.findOne({ businessId: 'default' }).lean();
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(app.secrets.open(String(stored?.secretSealed))).toBe(secret);
  });

  it('a crash between the survey change and queueing its events is repaired by the sweeper, once', async () => {
    const { app } = server;
    const customer = visitor();
    const started = await (await app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'web', address: customer });
    const surveyId = started.status === 'sent' ? started.surveyId : '';
    // The answer is written; the process "dies" before its events are queued.
    const queue = vi.spyOn(app.outboundWebhooks, 'queue').mockImplementation(() => {});
    await say(app, customer, '9');
    queue.mockRestore();
    expect((await app.store.surveys.byId(surveyId))?.owed).toEqual([{ type: 'webhook', event: 'survey.scored' }]);
    expect(forSurvey(surveyId)).toEqual([]);

    // A sweep that dies after queueing but before clearing what the survey owes queues nothing twice.
    const clear = vi.spyOn(app.store.surveys, 'clearOwed').mockRejectedValueOnce(new Error('killed'));
    await expect(app.sweeper.sweep()).rejects.toThrow('killed');
    clear.mockRestore();
    await settle();
    await settle();
    expect(forSurvey(surveyId).map((e) => e.id)).toEqual([`survey.scored:${surveyId}`]);
    expect((await app.store.surveys.byId(surveyId))?.owed).toEqual([]);
  });

  it('a crash between an opt-out and queueing its event is repaired by the sweeper, once', async () => {
    const { app } = server;
    const customer = visitor();
    const queue = vi.spyOn(app.outboundWebhooks, 'queueCustomer').mockImplementation(() => {});
    await say(app, customer, 'STOP');
    queue.mockRestore();
    const stored = await app.store.customers.find({ businessId: 'default', channel: 'web', address: customer });
    expect((await app.store.customers.webhooksDueOf(stored?.id ?? ''))?.webhooksDue).toHaveLength(1);
    expect(forCustomer(stored?.id)).toEqual([]);
    await settle();
    await settle();
    expect(forCustomer(stored?.id).map((e) => e.data.source)).toEqual(['customer']);
    expect((await app.store.customers.webhooksDueOf(stored?.id ?? ''))?.webhooksDue).toEqual([]);
  });
});
