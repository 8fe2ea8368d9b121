/**
 * Duplicate and out-of-order delivery on WhatsApp, as test/faults/duplicates.test.ts does for the
 * other channels: every webhook of a survey (the score, the comment, the invitation's status
 * reports) delivered three times, all at once, shuffled, for 8 customers:
 *   duplicates and out-of-order (whatsapp): surveys 8, webhooks 32 delivered 96 times, stored twice 0, sent twice 0
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figure } from '../../attacks/figures.js';
import { Rng } from '../../faults/crash-rig.js';
import { newSid } from '../../helpers/fake-twilio.js';
import { startWhatsappHarness, type WhatsappHarness } from './harness.js';

const seed = Number(process.env.CRASH_SEED ?? Date.now() % 2_147_483_647);
const customers = 8;
const copies = 3;

describe('WhatsApp: duplicate and out-of-order webhooks', () => {
  let h: WhatsappHarness;
  beforeAll(async () => {
    h = await startWhatsappHarness();
  });
  afterAll(() => h?.close());

  it('every webhook of a survey three times, concurrently: stored twice 0, sent twice 0', async () => {
    const rng = new Rng(seed);
    const list: Array<{ phone: string; surveyId: string; webhooks: Array<() => Promise<LightMyRequestResponse>> }> = [];
    for (let i = 0; i < customers; i++) {
      const phone = `+92300777${String(1000 + i)}`;
      const { surveyId } = await h.start({ kind: 'nps', address: phone, locale: 'en' });
      const [invitation] = h.fake.to(phone);
      const score = newSid('SM');
      const comment = newSid('SM');
      list.push({
        phone,
        surveyId,
        webhooks: [
          () => h.fake.receive(h.app, phone, '3', { messageSid: score }),
          () => h.fake.receive(h.app, phone, 'Lovely tea and a warm welcome', { messageSid: comment }),
          () => h.fake.postStatus(h.app, invitation!, 'delivered'),
          () => h.fake.postStatus(h.app, invitation!, 'sent'),
        ],
      });
    }
    const deliveries = list.flatMap((c) => c.webhooks.flatMap((w) => Array.from({ length: copies }, () => w)));
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
    }
    const results = await Promise.all(deliveries.map((deliver) => deliver()));
    const failed = results.filter((r) => r.statusCode >= 300);

    let storedTwice = 0;
    let sentTwice = 0;
    let unanswered = 0;
    for (const c of list) {
      const [survey] = await h.app.store.surveys.latest('default', 'whatsapp', c.phone);
      storedTwice += (survey?.inbound.length ?? 0) - new Set(survey?.inbound).size;
      if (survey?.state !== 'completed' && survey?.state !== 'awaiting_comment') unanswered++;
      // The invitation, then one answer to each of the two messages.
      sentTwice += Math.max(0, h.fake.to(c.phone).length - 3);
    }
    const movedBack = await h.app.db.collection('outbox').countDocuments({ channel: 'whatsapp', purpose: 'invitation', deliveryStatus: { $ne: 'delivered' } });
    storedTwice += movedBack;
    figure(`duplicates and out-of-order (whatsapp): surveys ${list.length}, webhooks ${list.length * 4} delivered ${deliveries.length} times, stored twice ${storedTwice}, sent twice ${sentTwice} (answers not 2xx ${failed.length}, surveys left unanswered ${unanswered}, reports moved back ${movedBack}; seed ${seed})`);
    expect(failed.map((r) => `${r.statusCode} ${r.body.slice(0, 100)}`)).toEqual([]);
    expect(unanswered).toBe(0);
    expect(storedTwice).toBe(0);
    expect(sentTwice).toBe(0);
  });

  it('a redelivery after a reply went out unconfirmed (the answer to its send lost) sends it only once', async () => {
    const phone = '+923007771999';
    const { surveyId } = await h.start({ kind: 'nps', address: phone, locale: 'en' });
    const score = newSid('SM');
    // Twilio takes the question but its answer never comes back: no receipt is recorded.
    h.fake.loseAnswers(1);
    expect((await h.fake.receive(h.app, phone, '9', { messageSid: score })).statusCode).toBe(200);
    expect(h.fake.to(phone).map((m) => m.kind)).toEqual(['template', 'quick-reply']);
    // Twilio delivers the message again (as after a timeout): the question is not sent again …
    expect((await h.fake.receive(h.app, phone, '9', { messageSid: score })).statusCode).toBe(200);
    expect(h.fake.to(phone)).toHaveLength(2);
    // … and its receipt is now recorded: a third delivery asks Twilio nothing and sends nothing.
    await (await h.app.businesses.get('default'))!.pipeline.drain();
    expect((await h.fake.receive(h.app, phone, '9', { messageSid: score })).statusCode).toBe(200);
    expect(h.fake.to(phone)).toHaveLength(2);
    expect(await h.survey(surveyId)).toMatchObject({ state: 'awaiting_comment', score: 9 });
  });

  it('a reply Twilio refuses for a moment (503) waits in the outbox and goes out once with the next sweep', async () => {
    const phone = '+923007772999';
    const { surveyId } = await h.start({ kind: 'nps', address: phone, locale: 'en' });
    const score = newSid('SM');
    h.fake.refuseNext(1);
    // Twilio delivers no message again after a 2xx, so the answer is taken and the reply kept to send.
    expect((await h.fake.receive(h.app, phone, '9', { messageSid: score })).statusCode).toBe(200);
    expect(await h.survey(surveyId)).toMatchObject({ state: 'awaiting_comment', score: 9 });
    expect(h.fake.to(phone).map((m) => m.kind)).toEqual(['template']);
    const queued = await h.app.db.collection('outbox').find({ channel: 'whatsapp', purpose: 'reply', address: phone }).toArray();
    expect(queued.map((q) => q.state)).toEqual(['pending']);

    await h.app.sweeper.sweep();
    expect(h.fake.to(phone).map((m) => m.kind)).toEqual(['template', 'quick-reply']);
    // A redelivery of the score and another sweep send nothing more.
    await (await h.app.businesses.get('default'))!.pipeline.drain();
    expect((await h.fake.receive(h.app, phone, '9', { messageSid: score })).statusCode).toBe(200);
    await h.app.sweeper.sweep();
    expect(h.fake.to(phone)).toHaveLength(2);
  });
});
