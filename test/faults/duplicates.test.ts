/**
 * Duplicate and out-of-order delivery: every webhook of a full survey (the score, the comment, and
 * per channel the delivery reports or the install) delivered three times, all at once, in a shuffled
 * order, for 8 customers on each of SMS, Telegram, Teams and the web chat:
 *   duplicates and out-of-order (sms): surveys 8, webhooks 32 delivered 96 times, stored twice 0, sent twice 0
 * Stored twice: a message id recorded twice on its survey, a count taken twice, a web chat line kept
 * twice, a delivery report moved back. Sent twice: more replies than distinct messages (each of the
 * score and the comment is answered by exactly one message, in either order).
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelName } from '../../src/domain/channels.js';
import { expectZero, figure } from '../attacks/figures.js';
import { startRig, type Rig } from '../attacks/rig.js';
import { cardSubmitActivity, installActivity, messageActivity, teamsUser } from '../helpers/fake-bot-connector.js';
import { callbackUpdate, buttonData, nextUpdateId, textUpdate } from '../helpers/fake-telegram.js';
import { newSid, twimlMessages } from '../helpers/fake-twilio.js';
import { Rng } from './crash-rig.js';
import { allCohortCounters, sumOf, type CountedMetric } from '../helpers/counters.js';

const seed = Number(process.env.CRASH_SEED ?? Date.now() % 2_147_483_647);
const perChannel = 8;
const copies = 3;
const comment = 'Lovely coffee and a warm welcome';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ logLevel: 'silent' });
});
afterAll(async () => rig?.close());

interface Customer {
  address: string;
  /** The webhooks of the whole survey, each a function that delivers it once. */
  webhooks: Array<() => Promise<LightMyRequestResponse>>;
  /** Replies the bot sent this customer after the invitation. */
  replies: () => number;
  twiml: number;
}

async function customers(channel: ChannelName): Promise<Customer[]> {
  const list: Customer[] = [];
  for (let i = 0; i < perChannel; i++) {
    if (channel === 'sms') {
      const phone = `+1415555${String(4900 + i)}`;
      await rig.api('POST', '/api/v1/surveys', { kind: 'nps', channel, address: phone });
      const invitation = rig.twilio.messages.find((m) => m.to === phone)!;
      const c: Customer = { address: phone, webhooks: [], twiml: 0, replies: () => c.twiml + rig.twilio.messages.filter((m) => m.to === phone).length - 1 };
      const inbound = (sid: string, body: string) => async () => {
        const res = await rig.twilio.postInbound(rig.app, { from: phone, body, messageSid: sid });
        if (res.statusCode === 200) c.twiml += twimlMessages(res.body).length;
        return res;
      };
      c.webhooks.push(inbound(newSid('SM'), '9'), inbound(newSid('SM'), comment));
      for (const status of ['sent', 'delivered']) c.webhooks.push(() => rig.twilio.postStatus(rig.app, invitation, status));
      list.push(c);
    } else if (channel === 'telegram') {
      const chatId = 860_000_000 + i;
      await rig.api('POST', '/api/v1/surveys', { kind: 'nps', channel, address: String(chatId) });
      const question = rig.telegram.sent(chatId)[0]!;
      const tap = callbackUpdate({ chatId }, question, buttonData(question, '9'), nextUpdateId());
      const typed = textUpdate({ chatId }, comment, nextUpdateId());
      list.push({
        address: String(chatId),
        webhooks: [() => rig.telegramPost(tap), () => rig.telegramPost(typed)],
        twiml: 0,
        replies: () => rig.telegram.sent(chatId).length - 1,
      });
    } else if (channel === 'teams') {
      const user = teamsUser();
      const options = { user, serviceUrl: rig.connector.serviceUrl };
      const install = installActivity(options);
      await rig.teamsPost(install);
      await rig.api('POST', '/api/v1/surveys', { kind: 'nps', channel, address: user.aadObjectId });
      const conversation = install.conversation.id;
      const toUser = () => rig.connector.activities.filter((a) => a.conversationId === conversation && a.kind !== 'update');
      const card = rig.connector.cards().find((c) => c.id === toUser()[0]!.id)!;
      const nine = card.card.actions.find((a) => a.data.score === '9')!;
      const score = cardSubmitActivity(nine.data, toUser()[0]!.id, { ...options, id: `1${Date.now()}${i}1` });
      const typed = messageActivity(comment, { ...options, id: `1${Date.now()}${i}2` });
      list.push({
        address: user.aadObjectId,
        webhooks: [() => rig.teamsPost(score), () => rig.teamsPost(typed), () => rig.teamsPost(install)],
        twiml: 0,
        replies: () => toUser().length - 1,
      });
    } else {
      const res = await rig.app.inject({ method: 'POST', url: '/chat/api/visitors', payload: { kind: 'nps' } });
      const { visitorId } = res.json() as { visitorId: string };
      const post = (messageId: string, body: object) => () => rig.app.inject({ method: 'POST', url: `/chat/api/visitors/${visitorId}/messages`, payload: { messageId, ...body } });
      const c: Customer = { address: visitorId, webhooks: [post('score', { choice: '9' }), post('comment', { text: comment })], twiml: 0, replies: () => 0 };
      list.push(c);
    }
  }
  return list;
}

function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

describe('duplicate and out-of-order delivery', () => {
  it.each(['sms', 'telegram', 'teams', 'web'] as const)('of every webhook of a full survey on %s, concurrently: stored twice 0, sent twice 0', async (channel) => {
    const rng = new Rng(seed ^ channel.length);
    const list = await customers(channel);
    const deliveries = shuffle(list.flatMap((c) => c.webhooks.flatMap((w) => Array.from({ length: copies }, () => w))), rng);
    const results = await Promise.all(deliveries.map((deliver) => deliver()));
    await (await rig.app.businesses.get('default'))!.pipeline.drain();
    await rig.app.alerts.drain();
    const failed = results.filter((r) => r.statusCode >= 300);

    const db = rig.app.db.db!;
    let storedTwice = 0;
    let sentTwice = 0;
    let unanswered = 0;
    for (const c of list) {
      const [survey] = await rig.app.store.surveys.latest('default', channel, c.address);
      storedTwice += (survey?.inbound.length ?? 0) - new Set(survey?.inbound).size;
      if (survey?.state !== 'completed' && survey?.state !== 'awaiting_comment') unanswered++;
      let replies = c.replies();
      if (channel === 'web') {
        const lines = await rig.app.store.webTranscripts.list('default', c.address);
        // The visitor's two lines, once each; the bot's invitation and one answer to each.
        storedTwice += Math.max(0, lines.filter((l) => l.from === 'visitor').length - 2);
        replies = lines.filter((l) => l.from === 'bot').length - 1;
      }
      sentTwice += Math.max(0, replies - 2);
    }
    // Counters: one score per scored survey, one completion and one comment per completed one.
    const surveys = await db.collection('surveys').find({ channel }).toArray();
    const rollups = await allCohortCounters(db);
    const counted = (metric: CountedMetric) => sumOf(rollups, metric);
    const totals = await db.collection('surveys').find({}).toArray();
    const countedTwice =
      Math.max(0, counted('score') - totals.filter((s) => typeof s.score === 'number').length) +
      Math.max(0, counted('completed') - totals.filter((s) => s.state === 'completed').length) +
      Math.max(0, counted('commented') - totals.filter((s) => typeof s.comment === 'string').length);
    storedTwice += countedTwice;
    // A late "sent" never moves a "delivered" back.
    const movedBack = channel === 'sms' ? await db.collection('outbox').countDocuments({ channel: 'sms', purpose: 'invitation', deliveryStatus: { $ne: 'delivered' } }) : 0;
    storedTwice += movedBack;

    const webhooks = list.reduce((n, c) => n + c.webhooks.length, 0);
    figure(
      `duplicates and out-of-order (${channel}): surveys ${surveys.length}, webhooks ${webhooks} delivered ${deliveries.length} times, stored twice ${storedTwice}, sent twice ${sentTwice}` +
        ` (answers not 2xx ${failed.length}, surveys left unanswered ${unanswered}, counted twice ${countedTwice}, reports moved back ${movedBack}; seed ${seed})`,
    );
    expect(failed.map((r) => `${r.statusCode} ${r.body.slice(0, 100)}`)).toEqual([]);
    expect(unanswered).toBe(0);
    expectZero(`duplicates on ${channel}`, { storedTwice, sentTwice });
  });
});
