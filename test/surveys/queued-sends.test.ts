import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { hours, TestClock } from '../helpers/clock.js';
import { startFakeTwilio, twimlMessages, type FakeTwilio } from '../helpers/fake-twilio.js';
import { accountSid, authToken, publicUrl, smsEnv } from '../channels/sms/harness.js';

/** A queued invitation or reminder is checked against its survey as it leaves: SMS end to end, fake Twilio. */
describe('queued sends a survey no longer needs', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let fake: FakeTwilio;
  let server: TestServer;
  let n = 0;
  const newCustomer = () => `+1415555${String(2000 + ++n)}`;

  beforeAll(async () => {
    fake = await startFakeTwilio({ accountSid, authToken, publicUrl });
    server = await buildTestServer(smsEnv(fake, { SWEEP_INTERVAL: '0', SEND_WINDOW: '09:00-20:00' }), { now: clock.now });
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  const start = async (address: string) => (await server.app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'sms', address, trigger: 'api' });
  /** What the bot sent this customer through the API (invitations, reminders), not TwiML answers. */
  const apiSends = (address: string) => fake.messages.filter((m) => m.to === address && m.via === 'api').map((m) => m.body);
  const surveyOf = (address: string) => server.app.store.surveys.model.findOne({ channel: 'sms', address }).lean();
  const outboxOf = async (address: string, purpose: string) => server.app.store.outbox.model.find({ address, purpose }).lean();

  it('drops a reminder waiting for a retry once the customer answers, and keeps their next text as the comment', async () => {
    clock.reset();
    const customer = newCustomer();
    expect((await start(customer)).status).toBe('sent');
    clock.advance(hours(25));
    fake.failNext('server-error'); // the reminder's first try fails: it waits in the outbox for a retry
    await server.app.sweeper.sweep();
    expect(apiSends(customer).filter((b) => /reminder/i.test(b))).toHaveLength(0);
    expect((await outboxOf(customer, 'reminder'))[0]?.state).toBe('pending');

    const scored = await fake.receive(server.app, { from: customer, body: '10' });
    expect(twimlMessages(scored.body)).toEqual([expect.stringMatching(/like most/i)]);
    clock.advance(hours(1));
    await server.app.sweeper.sweep();
    expect(apiSends(customer).filter((b) => /reminder/i.test(b))).toHaveLength(0);
    expect((await outboxOf(customer, 'reminder'))[0]).toMatchObject({ state: 'cancelled', error: 'survey awaiting_comment' });

    await fake.receive(server.app, { from: customer, body: 'Quick and friendly' });
    expect(await surveyOf(customer)).toMatchObject({ state: 'completed', score: 10, comment: 'Quick and friendly' });
  });

  it('does not send an invitation queued for the send window when the survey was answered before it opened', async () => {
    clock.reset();
    clock.advance(hours(7)); // 22:00: outside the window, the invitation waits for 09:00
    const customer = newCustomer();
    expect((await start(customer)).status).toBe('queued');
    clock.advance(hours(1));
    await fake.receive(server.app, { from: customer, body: '10' });
    clock.advance(hours(11)); // 09:00
    await server.app.sweeper.sweep();
    expect(apiSends(customer)).toEqual([]);
    expect((await outboxOf(customer, 'invitation'))[0]).toMatchObject({ state: 'cancelled' });
    const survey = await surveyOf(customer);
    expect(survey).toMatchObject({ state: 'awaiting_comment', score: 10 });
  });

  it('sends no reminder after an invitation the provider reported undelivered', async () => {
    clock.reset();
    const customer = newCustomer();
    expect((await start(customer)).status).toBe('sent');
    const invitation = fake.messages.find((m) => m.to === customer)!;
    expect((await fake.postStatus(server.app, invitation, 'undelivered', '30003')).statusCode).toBeLessThan(300);
    clock.advance(hours(25));
    await server.app.sweeper.sweep();
    await server.app.sweeper.sweep();
    expect(apiSends(customer)).toHaveLength(1);
    expect((await outboxOf(customer, 'reminder'))[0]).toMatchObject({ state: 'cancelled', error: 'invitation undelivered' });
  });

  it('still sends the reminder of an invitation that was delivered', async () => {
    clock.reset();
    const customer = newCustomer();
    await start(customer);
    const invitation = fake.messages.find((m) => m.to === customer)!;
    await fake.postStatus(server.app, invitation, 'delivered');
    clock.advance(hours(25));
    await server.app.sweeper.sweep();
    expect(apiSends(customer).filter((b) => /reminder/i.test(b))).toHaveLength(1);
  });
});
