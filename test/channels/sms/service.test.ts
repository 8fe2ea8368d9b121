import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../../helpers/build.js';
import { TestClock } from '../../helpers/clock.js';
import { newSid, startFakeTwilio, twilioDefaultReplies, twimlMessages, type FakeTwilio } from '../../helpers/fake-twilio.js';
import { accountSid, authToken, botNumber, publicUrl, smsEnv } from './harness.js';

/** The SMS channel inside the whole product: real survey service, real store, fake Twilio. */
describe('SMS channel with the survey service', () => {
  const clock = new TestClock();
  let fake: FakeTwilio;
  let server: TestServer;
  let n = 0;
  const newCustomer = () => `+1415555${String(1000 + ++n)}`;

  beforeAll(async () => {
    fake = await startFakeTwilio({ accountSid, authToken, publicUrl });
    server = await buildTestServer(smsEnv(fake, { SWEEP_INTERVAL: '0' }), { now: clock.now });
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  const start = async (address: string) => (await server.app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'sms', address, trigger: 'api' });
  /** The survey with how its invitation went (the outbox keeps that, with the provider's reports). */
  const surveyOf = async (address: string) => {
    const survey = await server.app.store.surveys.model.findOne({ channel: 'sms', address }).lean();
    return survey && { ...survey, delivery: await server.app.store.outbox.invitationOf(String(survey._id)) };
  };
  const customerOf = (address: string) => server.app.store.customers.model.findOne({ channel: 'sms', address }).lean();

  it('is registered when Twilio is configured', async () => {
    expect([...(await server.app.businesses.get('default'))!.channels.keys()]).toContain('sms');
  });

  it('sends the invitation through the API and answers the score with TwiML', async () => {
    const customer = newCustomer();
    expect((await start(customer)).status).toBe('sent');
    const invitation = fake.messages.find((m) => m.to === customer)!;
    expect(invitation).toMatchObject({ via: 'api', from: botNumber, statusCallback: `${publicUrl}/b/default/webhooks/twilio/status` });
    expect(invitation.body).toMatch(/Reply 0-10/);

    const res = await fake.receive(server.app, { from: customer, body: '9' });
    expect(twimlMessages(res.body)).toEqual([expect.stringMatching(/like most/i)]);
    expect(await surveyOf(customer)).toMatchObject({ state: 'awaiting_comment', score: 9, band: 'promoter' });
  });

  it('stores nothing for a forged webhook', async () => {
    const customer = newCustomer();
    await start(customer);
    const params = { MessageSid: newSid('SM'), From: customer, To: botNumber, Body: '0' };
    const res = await fake.signedPost(server.app, `${publicUrl}/webhooks/twilio/sms`, params, 'Zm9yZ2Vk');
    expect(res.statusCode).toBe(403);
    expect(await server.app.store.inbound.model.countDocuments({ providerMessageId: params.MessageSid })).toBe(0);
    expect(await surveyOf(customer)).toMatchObject({ state: 'invited' });
  });

  it('answers a replayed webhook with empty TwiML and changes nothing', async () => {
    const customer = newCustomer();
    await start(customer);
    const messageSid = newSid('SM');
    await fake.receive(server.app, { from: customer, body: '4', messageSid });
    await server.app.alerts.drain(); // the detractor alert goes out after the reply
    await (await server.app.businesses.get('default'))!.pipeline.drain(); // and the reply's receipt is written after the answer is sent
    const before = await surveyOf(customer);

    const replay = await fake.receive(server.app, { from: customer, body: '4', messageSid });
    expect(twimlMessages(replay.body)).toEqual([]);
    expect(before?.inbound).toEqual([messageSid]); // recorded with the answer, in the same write
    expect(await surveyOf(customer)).toEqual(before);
  });

  it('records STOP, lets Twilio confirm it, and sends nothing more', async () => {
    const customer = newCustomer();
    await start(customer);
    const res = await fake.receive(server.app, { from: customer, body: 'Stop' });
    expect(twimlMessages(res.body)).toEqual([]);
    expect(fake.messages.filter((m) => m.to === customer).map((m) => m.body).at(-1)).toBe(twilioDefaultReplies.stop);
    expect((await customerOf(customer))?.optedOutAt).toBeInstanceOf(Date);
    expect(await surveyOf(customer)).toMatchObject({ state: 'opted_out' });
    expect((await start(customer)).status).toBe('opted_out');
  });

  it('records an opt-in by a custom Advanced Opt-Out word (OptOutType=START) and surveys again', async () => {
    const customer = newCustomer();
    await fake.receive(server.app, { from: customer, body: 'BASTA', extra: { OptOutType: 'STOP' } });
    expect((await customerOf(customer))?.optedOutAt).toBeInstanceOf(Date);
    const res = await fake.receive(server.app, { from: customer, body: 'VOLVER', extra: { OptOutType: 'START' } });
    expect(twimlMessages(res.body)).toEqual([]);
    expect((await customerOf(customer))?.optedOutAt).toBeUndefined();
    expect((await start(customer)).status).toBe('sent');
  });

  it('marks the customer opted out when the API refuses with 21610 and shows the failure on the survey', async () => {
    const customer = newCustomer();
    fake.blocked.add(customer); // replied STOP to another of our numbers in the same messaging service
    await start(customer);
    expect(await surveyOf(customer)).toMatchObject({ delivery: { status: 'failed', error: '21610' } });
    expect(await customerOf(customer)).toMatchObject({ optOutReason: 'provider refused: 21610' });
    fake.blocked.delete(customer);
  });

  it('leaves a rate-limited invitation in the outbox for a later retry', async () => {
    const customer = newCustomer();
    fake.failNext('rate-limit');
    await start(customer);
    const item = await server.app.store.outbox.model.findOne({ channel: 'sms', address: customer }).lean();
    expect(item).toMatchObject({ state: 'pending', attempts: 1, error: '20429' });
    expect(item!.nextAttemptAt.getTime()).toBeGreaterThan(clock.now().getTime());
  });

  it('records delivery reports on the survey', async () => {
    const customer = newCustomer();
    await start(customer);
    const invitation = fake.messages.find((m) => m.to === customer)!;
    expect((await fake.postStatus(server.app, invitation, 'delivered')).statusCode).toBe(204);
    expect(await surveyOf(customer)).toMatchObject({ delivery: { status: 'delivered', providerMessageId: invitation.sid } });
    await fake.postStatus(server.app, invitation, 'undelivered', '30006');
    expect(await surveyOf(customer)).toMatchObject({ delivery: { status: 'undelivered', error: '30006' } });
  });

  it('keeps the furthest delivery status when callbacks arrive out of order', async () => {
    const customer = newCustomer();
    await start(customer);
    const invitation = fake.messages.find((m) => m.to === customer)!;
    await fake.postStatus(server.app, invitation, 'delivered');
    await fake.postStatus(server.app, invitation, 'sent');
    await fake.postStatus(server.app, invitation, 'queued');
    expect(await surveyOf(customer)).toMatchObject({ delivery: { status: 'delivered' } });
    expect(await server.app.store.outbox.model.findOne({ providerMessageId: invitation.sid }).lean()).toMatchObject({ deliveryStatus: 'delivered' });
  });
});
