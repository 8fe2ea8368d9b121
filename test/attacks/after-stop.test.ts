/**
 * After STOP, nothing goes to that address, on any channel and by any path: the reminder, a campaign
 * queued before the STOP and one started after it, a staff /survey and /reply, the API, the weekly
 * digest and detractor alerts (to an owner who sent STOP), and provider retries of the STOP and of
 * the message before it:
 *   after STOP: paths N, sends to opted-out addresses 0
 * A send is any attempt: every call of a channel's send (what the outbox and direct sends use), every
 * reply in a webhook's answer (TwiML, Bot API calls, Teams activities, web chat lines).
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelName } from '../../src/domain/channels.js';
import { hours } from '../helpers/clock.js';
import { installActivity, messageActivity, teamsUser, type TeamsUser } from '../helpers/fake-bot-connector.js';
import { textUpdate } from '../helpers/fake-telegram.js';
import { newSid, twimlMessages } from '../helpers/fake-twilio.js';
import { expectZero, figure } from './figures.js';
import { startRig, type Rig } from './rig.js';

const smsOwner = '+14155559000';
/** The other owner chats on the web (no provider pacing: Telegram's 1 message a second per chat would make this test slow). */
const webOwner = `v_${'0'.repeat(31)}1`;

let rig: Rig;
/** Every send attempt through a channel's `send`, by channel and address. */
const channelSends: Array<{ channel: ChannelName; to: string }> = [];
/** SMS replies in TwiML answers, by address (Twilio would drop them for a STOP'd number; the bot still tried). */
const twimlSends: string[] = [];

interface Customer {
  channel: ChannelName;
  address: string;
  teams?: TeamsUser;
  /** Sends counted before this customer's STOP was answered. */
  before?: number;
}

beforeAll(async () => {
  rig = await startRig({ env: { OWNER_ADDRESSES: `sms:${smsOwner},web:${webOwner}`, SEND_WINDOW: '09:00-20:00', REMINDER_AFTER: '24h', SURVEY_TTL: '72h' } });
  for (const [name, channel] of (await rig.app.businesses.get('default'))!.channels) {
    const send = channel.send.bind(channel);
    (channel as { send: typeof channel.send }).send = (to, message) => {
      channelSends.push({ channel: name, to });
      return send(to, message);
    };
  }
});
afterAll(async () => rig?.close());

/** Attempts to reach this address so far, every way there is. */
function sendsTo(c: Pick<Customer, 'channel' | 'address' | 'teams'>): number {
  const direct = c.channel === 'sms' ? channelSends.filter((s) => s.channel === c.channel && s.to === c.address).length : 0;
  switch (c.channel) {
    case 'sms':
      return direct + twimlSends.filter((to) => to === c.address).length;
    case 'telegram':
      return rig.telegram.calls.filter((call) => ['sendMessage', 'sendPhoto'].includes(call.method) && String(call.payload.chat_id) === c.address).length;
    case 'teams':
      return rig.connector.activities.filter((a) => a.kind !== 'update' && a.conversationId === `a:1${c.teams!.aadObjectId.replace(/-/g, '')}`).length;
    case 'web':
      return channelSends.filter((s) => s.channel === 'web' && s.to === c.address).length + webReplies.get(c.address)!;
    case 'whatsapp':
      throw new Error('WhatsApp opt-outs are tested in test/channels/whatsapp/opt-out.test.ts');
  }
}
/** Bot lines the web chat answered in its responses, by visitor. */
const webReplies = new Map<string, number>();

/** One customer message through the channel's webhook, as its provider sends it. */
async function say(c: Customer, text: string, id: string): Promise<LightMyRequestResponse> {
  switch (c.channel) {
    case 'sms': {
      const res = await rig.twilio.receive(rig.app, { from: c.address, body: text, messageSid: id });
      if (res.statusCode === 200) for (const _ of twimlMessages(res.body)) twimlSends.push(c.address);
      return res;
    }
    case 'telegram':
      return rig.telegramPost(textUpdate({ chatId: Number(c.address) }, text, Number(id)));
    case 'teams':
      return rig.teamsPost(messageActivity(text, { user: c.teams!, serviceUrl: rig.connector.serviceUrl, id }));
    case 'web': {
      const res = await rig.app.inject({ method: 'POST', url: `/chat/api/visitors/${c.address}/messages`, payload: { messageId: id, text } });
      webReplies.set(c.address, (webReplies.get(c.address) ?? 0) + ((res.json() as { replies?: unknown[] }).replies?.length ?? 0));
      return res;
    }
    case 'whatsapp':
      throw new Error('WhatsApp opt-outs are tested in test/channels/whatsapp/opt-out.test.ts');
  }
}

/** A staff command from the web owner, through the web chat. */
let ownerMessages = 0;
function asOwner(text: string) {
  return rig.app.inject({ method: 'POST', url: `/chat/api/visitors/${webOwner}/messages`, payload: { messageId: `owner-${++ownerMessages}`, text } });
}

let seq = 0;
async function newCustomer(channel: ChannelName): Promise<Customer> {
  seq++;
  switch (channel) {
    case 'sms':
      return { channel, address: `+1415555${String(4500 + seq)}` };
    case 'telegram':
      return { channel, address: String(840_000_000 + seq) };
    case 'teams': {
      const user = teamsUser();
      await rig.teamsPost(installActivity({ user, serviceUrl: rig.connector.serviceUrl }));
      return { channel, address: user.aadObjectId, teams: user };
    }
    case 'web': {
      const res = await rig.app.inject({ method: 'POST', url: '/chat/api/visitors', payload: { kind: 'nps' } });
      const { visitorId } = res.json() as { visitorId: string };
      webReplies.set(visitorId, 0);
      return { channel, address: visitorId };
    }
    case 'whatsapp':
      throw new Error('WhatsApp opt-outs are tested in test/channels/whatsapp/opt-out.test.ts');
  }
}

const ids = new Map<string, string>();
/** A provider message id per customer and label, the same on a retry. */
function idFor(c: Customer, label: string): string {
  const key = `${c.channel}:${c.address}:${label}`;
  if (!ids.has(key)) ids.set(key, c.channel === 'sms' ? newSid('SM') : c.channel === 'telegram' ? String(900_000_000 + ids.size) : `m${ids.size}-${label}`);
  return ids.get(key)!;
}

const channels: ChannelName[] = ['sms', 'telegram', 'teams', 'web'];

describe('after STOP', () => {
  it('nothing is sent to the address by any path', { timeout: 60_000 }, async () => {
    const stopped: Customer[] = [];
    const stop = async (c: Customer) => {
      const res = await say(c, 'STOP', idFor(c, 'stop'));
      expect(res.statusCode, res.body).toBe(200);
      await (await rig.app.businesses.get('default'))!.pipeline.drain();
      c.before = sendsTo(c);
      stopped.push(c);
    };
    const start = (c: Pick<Customer, 'channel' | 'address'>) => rig.api('POST', '/api/surveys', { kind: 'nps', channel: c.channel, address: c.address });

    // 15:00 Tuesday, in the send window. Per channel: one who stops before answering, one after a detractor score.
    const silent: Customer[] = [];
    const answered: Customer[] = [];
    for (const channel of channels) {
      for (const list of [silent, answered]) {
        const c = await newCustomer(channel);
        if (channel !== 'web') expect((await start(c)).statusCode).toBe(201);
        list.push(c);
      }
    }
    for (const c of answered) expect((await say(c, '3', idFor(c, 'score'))).statusCode).toBe(200);
    await rig.app.alerts.drain();
    // And one per channel with receipts who finished the survey, but the thank-you's receipt was never
    // written (the server died after sending it): a retry of the comment would send it again.
    const finished: Customer[] = [];
    for (const channel of channels.filter((ch) => ch !== 'web')) {
      const c = await newCustomer(channel);
      expect((await start(c)).statusCode).toBe(201);
      await say(c, '9', idFor(c, 'score'));
      await say(c, 'Lovely people', idFor(c, 'comment'));
      await (await rig.app.businesses.get('default'))!.pipeline.drain();
      const [survey] = await rig.app.store.surveys.latest('default', c.channel, c.address);
      expect(survey?.state).toBe('completed');
      await rig.app.store.surveys.model.updateOne({ _id: survey!.id }, { $set: { pendingReply: { messageId: idFor(c, 'comment'), replies: [{ text: 'Thank you!' }] } } });
      finished.push(c);
    }
    for (const c of [...silent, ...answered, ...finished]) await stop(c);

    // The SMS owner sends STOP too: digests and alerts must then go to the Telegram owner only.
    const owner: Customer = { channel: 'sms', address: smsOwner };
    await stop(owner);

    // 21:00: a campaign is queued for the morning; then three of its customers send STOP.
    rig.clock.advance(hours(6));
    const queued = await Promise.all(channels.filter((c) => c !== 'web').map((c) => newCustomer(c)));
    const campaign = await rig.api('POST', '/api/surveys', queued.map((c) => ({ kind: 'csat', channel: c.channel, address: c.address })));
    expect((campaign.json() as { results: Array<{ status: string }> }).results.map((r) => r.status)).toEqual(queued.map(() => 'queued'));
    for (const c of queued) await stop(c);

    const paths: Array<[string, () => Promise<unknown>]> = [
      ['provider retry of the STOP', async () => { for (const c of stopped) await say(c, 'STOP', idFor(c, 'stop')); }],
      ['provider retry of the score before the STOP', async () => { for (const c of answered) await say(c, '3', idFor(c, 'score')); }],
      ['provider retry of an answer whose reply was never confirmed', async () => { for (const c of finished) await say(c, 'Lovely people', idFor(c, 'comment')); }],
      ['a new text after the STOP (not START)', async () => { for (const c of stopped) await say(c, 'hello?', idFor(c, 'after')); }],
      // (The owner's HELP is a staff command, answered because they asked: it is counted apart, below.)
      ['HELP after the STOP', async () => { for (const c of stopped.filter((s) => s !== owner)) await say(c, 'HELP', idFor(c, 'help')); }],
      ['the API, one survey each', async () => { for (const c of stopped) expect((await start(c)).json()).toMatchObject({ status: 'opted_out' }); }],
      ['the API, a campaign of all of them', async () => rig.api('POST', '/api/surveys', stopped.map((c) => ({ kind: 'ces', channel: c.channel, address: c.address })))],
      ['a staff /survey', async () => { for (const c of stopped) await asOwner(`/survey nps ${c.channel}:${c.address}`); }],
      ['a staff /reply', async () => {
        for (const c of answered) {
          const [survey] = await rig.app.store.surveys.latest('default', c.channel, c.address);
          await asOwner(`/reply ${survey!.id} We are sorry, can we call you?`);
        }
      }],
      ['detractor alerts to the owner who sent STOP', async () => {
        const c = await newCustomer('telegram');
        await start(c);
        await say(c, '2', idFor(c, 'score'));
        await say(c, 'Slow and rude', idFor(c, 'comment'));
        await rig.app.alerts.drain();
      }],
      ['the morning: the queued campaign', async () => { rig.clock.advance(hours(12)); await rig.app.sweeper.sweep(); }],
      ['reminders due', async () => { rig.clock.advance(hours(7)); await rig.app.sweeper.sweep(); }],
      ['expiries due', async () => { rig.clock.advance(hours(60)); await rig.app.sweeper.sweep(); }],
      ['the weekly digest (Monday 09:00)', async () => { rig.clock.advance(hours(4 * 24)); await rig.app.sweeper.sweep(); await rig.app.sweeper.sweep(); }],
    ];
    const total = () => stopped.reduce((sum, c) => sum + sendsTo(c) - c.before!, 0);
    const byPath: Record<string, number> = {};
    for (const [name, run] of paths) {
      const before = total();
      await run();
      await (await rig.app.businesses.get('default'))!.pipeline.drain();
      await rig.app.alerts.drain();
      byPath[name] = total() - before;
      figure(`  after STOP, ${name}: sends ${byPath[name]}`);
    }
    const beforeHelp = sendsTo(owner);
    await say(owner, 'HELP', idFor(owner, 'help'));
    figure(`  after STOP, an owner's own staff command (HELP): answered ${sendsTo(owner) - beforeHelp} (asked for, like START; Twilio drops it for a STOP'd number)`);
    owner.before! += sendsTo(owner) - beforeHelp;
    // The paths ran: the web owner got the alerts and the digest the SMS owner did not.
    const toOtherOwner = (await rig.app.store.webTranscripts.list('default', webOwner)).filter((l) => l.from === 'bot');
    const digests = await rig.app.db.db!.collection('digests').countDocuments({ state: 'sent' });
    figure(`after STOP: paths ${paths.length}, opted-out addresses ${stopped.length}, sends to opted-out addresses ${total()} (the other owner got ${toOtherOwner.length} messages, digests sent ${digests})`);
    expect(digests).toBe(1);
    expect(toOtherOwner.some((l) => /Detractor alert/.test(l.text))).toBe(true);
    expectZero('sends after STOP, by path', byPath);
  });
});
