import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unconfirmedReplyMs } from '../../../src/surveys/sweeper.js';
import { buildTestServer, type TestServer } from '../../helpers/build.js';
import { TestClock } from '../../helpers/clock.js';
import { inboundSmsParams, newSid, startFakeTwilio, twimlMessages, twilioWebhookHeaders, type FakeTwilio } from '../../helpers/fake-twilio.js';
import { databaseUri } from '../../helpers/database.js';
import { startWireProxy, type WireProxy } from '../../helpers/wire-proxy.js';
import { accountSid, authToken, publicUrl, smsEnv } from './harness.js';

/**
 * An SMS reply rides in the webhook's answer (TwiML). When that answer never reaches Twilio (Twilio
 * gave up on the request, or the server died after storing the answer), Twilio by default does not
 * ask again, so the customer would never get the next question. The sweeper sends such replies
 * itself, through the REST API, once they have gone unconfirmed for `unconfirmedReplyMs`; once.
 * Before a message goes again the outbox asks Twilio's message list, which shows a TwiML reply
 * Twilio took as it shows a message sent through the API.
 */
describe('SMS replies whose webhook answer never reached Twilio', () => {
  const clock = new TestClock();
  let fake: FakeTwilio;
  let server: TestServer;
  let origin = '';

  beforeAll(async () => {
    fake = await startFakeTwilio({ accountSid, authToken, publicUrl, now: clock.now });
    server = await buildTestServer(smsEnv(fake, { SWEEP_INTERVAL: '0' }), { now: clock.now });
    origin = await server.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  const served = async () => (await server.app.businesses.get('default'))!;
  const surveyOf = (address: string) => server.app.store.surveys.model.findOne({ channel: 'sms', address }).lean();
  /** The operator's count of them, as Prometheus scrapes it. */
  const queuedMetric = async () => {
    const res = await server.app.inject({ url: '/metrics' });
    return Number(/^survey_bot_unconfirmed_replies_queued_total (\S+)$/m.exec(res.body)?.[1]);
  };
  const sentTo = (address: string) => fake.messages.filter((m) => m.to === address && m.via === 'api').map((m) => m.body);

  /** Twilio's webhook over a real connection, which Twilio closes before the answer comes (its timeout). */
  async function postAndGiveUp(params: Record<string, string>): Promise<void> {
    const path = '/webhooks/twilio/sms';
    const headers = twilioWebhookHeaders(authToken, publicUrl + path, params);
    const body = new URLSearchParams(params).toString();
    await new Promise<void>((resolve) => {
      const req = http.request(origin + path, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } });
      req.on('error', () => resolve());
      req.on('response', () => resolve()); // answered before the close: the test below then fails on its receipt
      req.end(body, () => {
        req.destroy();
        resolve();
      });
    });
  }

  async function answeredWithoutReceipt(address: string, body: string): Promise<string> {
    const params = inboundSmsParams(accountSid, { from: address, body });
    await postAndGiveUp(params);
    const deadline = Date.now() + 10_000;
    while (!(await surveyOf(address))?.score && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await (await served()).pipeline.drain();
    return params.MessageSid!;
  }

  it('sends the reply from the sweeper once it went unconfirmed long enough, and nothing on a later redelivery', { timeout: 30_000 }, async () => {
    const customer = '+14155551301';
    expect((await (await served()).surveys.start({ kind: 'nps', channel: 'sms', address: customer, trigger: 'api' })).status).toBe('sent');
    const messageSid = await answeredWithoutReceipt(customer, '9');
    // Stored once, its reply still waiting for a receipt, and nothing sent to the customer since the invitation.
    expect(await surveyOf(customer)).toMatchObject({ state: 'awaiting_comment', score: 9, inbound: [messageSid], pendingReply: { messageId: messageSid } });
    expect(sentTo(customer)).toHaveLength(1);

    // Within the window a redelivery could still come: the sweeper leaves it.
    clock.advance(unconfirmedReplyMs - 1_000);
    expect((await server.app.sweeper.sweep()).repliesQueued).toBe(0);
    expect(sentTo(customer)).toHaveLength(1);

    clock.advance(2_000);
    expect((await server.app.sweeper.sweep()).repliesQueued).toBe(1);
    expect(await queuedMetric()).toBe(1);
    expect(sentTo(customer)).toEqual([expect.stringMatching(/Reply 0-10/), expect.stringMatching(/like most/i)]);
    expect((await surveyOf(customer))?.pendingReply).toBeUndefined();

    // Twilio asking again now (a webhook URL set to retry) gets empty TwiML; the next sweep sends nothing.
    const redelivery = await fake.receive(server.app, { from: customer, body: '9', messageSid });
    expect(twimlMessages(redelivery.body)).toEqual([]);
    clock.advance(unconfirmedReplyMs * 2);
    expect((await server.app.sweeper.sweep()).repliesQueued).toBe(0);
    expect(await queuedMetric()).toBe(1);
    expect(sentTo(customer)).toHaveLength(2);
    expect(await surveyOf(customer)).toMatchObject({ score: 9, inbound: [messageSid] });
  });

  it('leaves a reply alone that reached Twilio in the webhook answer', { timeout: 30_000 }, async () => {
    const customer = '+14155551302';
    await (await served()).surveys.start({ kind: 'nps', channel: 'sms', address: customer, trigger: 'api' });
    const res = await fake.receive(server.app, { from: customer, body: '3', messageSid: newSid('SM') });
    expect(twimlMessages(res.body)).toHaveLength(1);
    await (await served()).pipeline.drain();
    clock.advance(unconfirmedReplyMs * 2);
    expect((await server.app.sweeper.sweep()).repliesQueued).toBe(0);
    expect(sentTo(customer)).toHaveLength(1); // the invitation; the reply went in the TwiML
  });

  it('asks Twilio’s message list before an invitation goes again after a 5xx: one it took while its answer was lost goes once, one it refused goes; not after a 429', { timeout: 30_000 }, async () => {
    const outboxOf = (address: string) => server.app.db.collection('outbox').find({ channel: 'sms', address }).toArray();
    const took = '+14155551304';
    fake.failNext('answer-lost');
    await (await served()).surveys.start({ kind: 'nps', channel: 'sms', address: took, trigger: 'api' });
    expect(sentTo(took)).toHaveLength(1);
    expect((await outboxOf(took)).map((i) => [i.state, i.unconfirmedSince instanceof Date])).toEqual([['pending', true]]);
    const lookups = fake.lookups.made;
    clock.advance(60_000);
    await server.app.sweeper.sweep();
    expect(fake.lookups.made).toBe(lookups + 1);
    expect(sentTo(took)).toHaveLength(1);
    expect((await outboxOf(took)).map((i) => i.state)).toEqual(['sent']);

    const refused = '+14155551305';
    fake.failNext('server-error');
    await (await served()).surveys.start({ kind: 'nps', channel: 'sms', address: refused, trigger: 'api' });
    expect(sentTo(refused)).toHaveLength(0);
    clock.advance(60_000);
    await server.app.sweeper.sweep();
    expect(sentTo(refused)).toEqual([expect.stringMatching(/Reply 0-10/)]);
    expect((await outboxOf(refused)).map((i) => i.state)).toEqual(['sent']);

    // A 429 is an answer: Twilio did not take it, and the retry goes without a look at the list.
    const limited = '+14155551306';
    fake.failNext('rate-limit');
    await (await served()).surveys.start({ kind: 'nps', channel: 'sms', address: limited, trigger: 'api' });
    expect((await outboxOf(limited)).map((i) => [i.state, 'unconfirmedSince' in i])).toEqual([['pending', false]]);
    const before = fake.lookups.made;
    clock.advance(60_000);
    await server.app.sweeper.sweep();
    expect(sentTo(limited)).toHaveLength(1);
    expect(fake.lookups.made).toBe(before);
  });

  it('sends nothing to someone who opted out meanwhile', { timeout: 30_000 }, async () => {
    const customer = '+14155551303';
    await (await served()).surveys.start({ kind: 'nps', channel: 'sms', address: customer, trigger: 'api' });
    await answeredWithoutReceipt(customer, '10');
    await fake.receive(server.app, { from: customer, body: 'STOP' });
    clock.advance(unconfirmedReplyMs * 2);
    expect((await server.app.sweeper.sweep()).repliesQueued).toBe(0);
    expect(sentTo(customer)).toHaveLength(1);
  });
});

/**
 * The other half of it: Twilio got the webhook's answer and sent the reply, but the receipt was never
 * stored (the server died, or the database never answered its write). The sweeper cannot tell the
 * two apart from the survey; Twilio's message list can.
 */
describe('an SMS reply that reached Twilio in the webhook answer, its receipt never stored', () => {
  const clock = new TestClock();
  let fake: FakeTwilio;
  let proxy: WireProxy;
  let server: TestServer;

  beforeAll(async () => {
    fake = await startFakeTwilio({ accountSid, authToken, publicUrl, now: clock.now });
    // The server reaches its database through a loopback proxy that can keep one write's answer from it.
    proxy = await startWireProxy(databaseUri());
    server = await buildTestServer(smsEnv(fake, { SWEEP_INTERVAL: '0', MONGODB_URI: proxy.uri }), { now: clock.now });
  });
  afterAll(async () => {
    await server?.close();
    await proxy?.close();
    await fake?.close();
  });

  it('is found in Twilio’s list by the sweeper, finished under the listed message’s id, and not sent again', { timeout: 30_000 }, async () => {
    const customer = '+14155551311';
    const served = (await server.app.businesses.get('default'))!;
    expect((await served.surveys.start({ kind: 'nps', channel: 'sms', address: customer, trigger: 'api' })).status).toBe('sent');
    const receipt = proxy.holdNext((c) => c.name === 'update' && JSON.stringify(c.doc).includes('pendingReply.messageId'));
    const messageSid = newSid('SM');
    const res = await fake.receive(server.app, { from: customer, body: '9', messageSid });
    expect(twimlMessages(res.body)).toEqual([expect.stringMatching(/like most/i)]);
    await receipt.held;
    const survey = await server.app.store.surveys.model.findOne({ channel: 'sms', address: customer }).lean();
    expect(survey).toMatchObject({ score: 9, pendingReply: { messageId: messageSid } });

    const lookups = fake.lookups.made;
    clock.advance(unconfirmedReplyMs + 1_000);
    expect((await server.app.sweeper.sweep()).repliesQueued).toBe(1);
    expect(fake.lookups.made).toBe(lookups + 1);
    const twiml = fake.messages.filter((m) => m.to === customer && m.via === 'twiml');
    expect(fake.messages.filter((m) => m.to === customer).map((m) => m.via)).toEqual(['api', 'twiml']);
    const items = await server.app.db.collection('outbox').find({ channel: 'sms', address: customer, purpose: 'reply' }).toArray();
    expect(items.map((i) => [i.state, i.providerMessageId])).toEqual([['sent', twiml[0]!.sid]]);

    receipt.release();
    clock.advance(unconfirmedReplyMs * 2);
    await server.app.sweeper.sweep();
    expect(fake.messages.filter((m) => m.to === customer)).toHaveLength(2);
  });

  it('finds it too when the customer wrote to another of the shop’s numbers, whose TwiML reply comes from that number', { timeout: 30_000 }, async () => {
    const customer = '+14155551312';
    const served = (await server.app.businesses.get('default'))!;
    await served.surveys.start({ kind: 'nps', channel: 'sms', address: customer, trigger: 'api' });
    const receipt = proxy.holdNext((c) => c.name === 'update' && JSON.stringify(c.doc).includes('pendingReply.messageId'));
    const res = await fake.receive(server.app, { from: customer, to: '+15005550010', body: '9' });
    expect(twimlMessages(res.body)).toHaveLength(1);
    await receipt.held;
    clock.advance(unconfirmedReplyMs + 1_000);
    expect((await server.app.sweeper.sweep()).repliesQueued).toBe(1);
    expect(fake.messages.filter((m) => m.to === customer).map((m) => [m.via, m.from])).toEqual([
      ['api', expect.not.stringMatching(/^\+15005550010$/)],
      ['twiml', '+15005550010'],
    ]);
    receipt.release();
  });
});
