import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTwoInstances, type TestServer, type TwoInstances } from '../../helpers/build.js';
import { TestClock } from '../../helpers/clock.js';
import { startFakeTwilio, type FakeTwilio } from '../../helpers/fake-twilio.js';
import { withButtonsOn, type Outbound } from '../../../src/domain/channels.js';
import { accountSid, authToken, publicUrl, smsEnv } from './harness.js';

/**
 * A send a crash interrupted stays marked as under way until its lock runs out (5 minutes). Then
 * the sweeper of any instance settles it by Twilio's message list: an invitation Twilio has is
 * finished as sent, one it never got goes, once. Telegram and Teams list nothing a bot sent, so
 * there such a send is marked failed (test/channels/telegram/interrupted-sends.test.ts).
 */
describe('SMS sends a crash interrupted', () => {
  const clock = new TestClock();
  let fake: FakeTwilio;
  let first: TestServer;
  let second: TestServer;
  let instances: TwoInstances | undefined;

  beforeAll(async () => {
    fake = await startFakeTwilio({ accountSid, authToken, publicUrl, now: clock.now });
    const env = smsEnv(fake, { SWEEP_INTERVAL: '0' });
    instances = await buildTwoInstances(env, { now: clock.now });
    ({ first, second } = instances);
  });
  afterAll(async () => {
    await instances?.close();
    await fake?.close();
  });

  const sentTo = (address: string) => fake.messages.filter((m) => m.to === address).map((m) => m.body);
  const outboxOf = async (address: string) => (await first.app.db.collection('outbox').find({ channel: 'sms', address }).toArray()).map((i) => [i.purpose, i.state, i.error ?? null]);
  const start = async (server: TestServer, address: string) => (await server.app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'sms', address, trigger: 'api' });

  it('after its lock ran out, another instance finishes one Twilio has and sends one it never got; the first instance, answered at last, changes nothing', { timeout: 30_000 }, async () => {
    const took = '+14155551401';
    const never = '+14155551402';
    // The first instance's two invitations are under way when it dies: Twilio took one, the other never arrived.
    const tookHold = fake.holdNext({ taken: true });
    const tookStart = start(first, took);
    await tookHold.arrived;
    const neverHold = fake.holdNext({ taken: false });
    const neverStart = start(first, never);
    await neverHold.arrived;
    expect([sentTo(took), sentTo(never)]).toEqual([[expect.stringMatching(/Reply 0-10/)], []]);

    // Within the lock, the other instance leaves them alone.
    clock.advance(4 * 60_000);
    await second.app.sweeper.sweep();
    expect(await outboxOf(took)).toEqual([['invitation', 'sending', null]]);
    expect(await outboxOf(never)).toEqual([['invitation', 'sending', null]]);

    clock.advance(60_000 + 1_000);
    const lookups = fake.lookups.made;
    await second.app.sweeper.sweep();
    expect(fake.lookups.made).toBeGreaterThanOrEqual(lookups + 2);
    expect(sentTo(took)).toHaveLength(1);
    expect(sentTo(never)).toEqual([expect.stringMatching(/Reply 0-10/)]);
    // Finished as the message Twilio has: its delivery report finds it.
    const [taken] = fake.messages.filter((m) => m.to === took);
    expect(await outboxOf(took)).toEqual([['invitation', 'sent', null]]);
    expect((await first.app.db.collection('outbox').findOne({ address: took }))?.providerMessageId).toBe(taken!.sid);
    expect((await fake.postStatus(second.app, taken!, 'delivered')).statusCode).toBe(204);
    expect((await first.app.db.collection('outbox').findOne({ address: took }))?.deliveryStatus).toBe('delivered');
    expect((await outboxOf(never)).map(([purpose, state]) => [purpose, state])).toEqual([['invitation', 'sent']]);
    // The operator sees it: one found in Twilio's list, one missing (and looked for again as it went).
    const scraped = (await second.app.inject({ url: '/metrics' })).body;
    const checks = [...scraped.matchAll(/^survey_bot_send_record_checks_total\{channel="sms",result="(\w+)"\} (\d+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(checks.sort()).toEqual(['found 1', 'missing 2']);

    // The first instance hears its 500s at last: its outcomes are no longer its to write, and nothing more goes.
    tookHold.release();
    neverHold.release();
    await Promise.all([tookStart, neverStart]);
    expect([...(await outboxOf(took)), ...(await outboxOf(never))].map(([, state]) => state)).toEqual(['sent', 'sent']);
    clock.advance(10 * 60_000);
    await first.app.sweeper.sweep();
    await second.app.sweeper.sweep();
    expect([sentTo(took), sentTo(never)].map((m) => m.length)).toEqual([1, 1]);
    expect((await outboxOf(took)).map(([, state]) => state)).toEqual(['sent']);
    expect((await outboxOf(never)).map(([, state]) => state)).toEqual(['sent']);
  });

  it('when Twilio’s list cannot be read, leaves the send under a new lock and settles it when that runs out', { timeout: 30_000 }, async () => {
    const address = '+14155551403';
    const hold = fake.holdNext({ taken: false });
    const started = start(first, address);
    await hold.arrived;
    fake.lookups.refuse = 1;
    clock.advance(5 * 60_000 + 1_000);
    await second.app.sweeper.sweep();
    expect(sentTo(address)).toEqual([]);
    expect(await outboxOf(address)).toEqual([['invitation', 'sending', null]]);

    clock.advance(5 * 60_000 + 1_000);
    await second.app.sweeper.sweep();
    expect(sentTo(address)).toEqual([expect.stringMatching(/Reply 0-10/)]);
    expect((await outboxOf(address)).map(([, state]) => state)).toEqual(['sent']);
    hold.release();
    await started;
  });

  it('another number on the same Twilio account sending the same words to the same person is not taken for the send', { timeout: 30_000 }, async () => {
    const address = '+14155551405';
    const hold = fake.holdNext({ taken: false });
    const started = start(first, address);
    await hold.arrived;
    // Another shop of the agency, on the same account, sends this person the very same words meanwhile.
    const item = await first.app.db.collection('outbox').findOne({ channel: 'sms', address });
    const text = withButtonsOn('sms', item!.message as Outbound).text;
    const res = await fetch(`${fake.baseUrl}/2010-04-01/Accounts/${accountSid}/Messages.json`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ To: address, From: '+15005550009', Body: text }).toString(),
    });
    expect(res.status).toBe(201);

    clock.advance(5 * 60_000 + 1_000);
    await second.app.sweeper.sweep();
    const ours = fake.messages.filter((m) => m.to === address && m.from !== '+15005550009');
    expect(ours.map((m) => m.body)).toEqual([text]);
    expect((await first.app.db.collection('outbox').findOne({ channel: 'sms', address }))?.providerMessageId).toBe(ours[0]!.sid);
    hold.release();
    await started;
  });

  it('one Twilio took, whose list could not be read at first, is found later by the first send’s time, not sent again', { timeout: 30_000 }, async () => {
    const address = '+14155551404';
    const hold = fake.holdNext({ taken: true });
    const started = start(first, address);
    await hold.arrived;
    expect(sentTo(address)).toHaveLength(1);
    fake.lookups.refuse = 1;
    clock.advance(5 * 60_000 + 1_000);
    await second.app.sweeper.sweep();
    expect(await outboxOf(address)).toEqual([['invitation', 'sending', null]]);

    clock.advance(5 * 60_000 + 1_000);
    await second.app.sweeper.sweep();
    expect(sentTo(address)).toHaveLength(1);
    expect(await outboxOf(address)).toEqual([['invitation', 'sent', null]]);
    hold.release();
    await started;
  });
});
