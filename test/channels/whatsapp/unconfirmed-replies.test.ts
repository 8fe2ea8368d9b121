/**
 * A WhatsApp reply that reached Twilio with no answer back (the answer lost, or the server gone while
 * it was on its way) is not sent a second time: before the outbox sends such a reply again, it asks
 * Twilio's message list, and a reply Twilio already has is recorded as sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSid } from '../../helpers/fake-twilio.js';
import { startWhatsappHarness, type WhatsappHarness } from './harness.js';

const followUp = 'quick-reply';

describe('WhatsApp: a reply whose send went unanswered', () => {
  let h: WhatsappHarness;
  beforeAll(async () => {
    h = await startWhatsappHarness();
  });
  afterAll(() => h?.close());

  const replyItems = (phone: string) => h.app.db.collection('outbox').find({ channel: 'whatsapp', purpose: 'reply', address: phone }).toArray();

  it('its answer lost: the outbox finds it in Twilio’s list and sends nothing; a reply Twilio never took still goes', async () => {
    const phone = '+923007773001';
    await h.start({ kind: 'nps', address: phone, locale: 'en' });
    // Twilio takes the follow-up question, and its answer is a 500: the webhook queues the reply for the outbox.
    h.fake.loseAnswers(1);
    expect((await h.fake.receive(h.app, phone, '9', { messageSid: newSid('SM') })).statusCode).toBe(200);
    expect(h.fake.to(phone).map((m) => m.kind)).toEqual(['template', followUp]);
    expect((await replyItems(phone)).map((q) => q.state)).toEqual(['pending']);

    const lookups = h.fake.lookups.made;
    h.clock.advance(60_000);
    await h.app.sweeper.sweep();
    expect(h.fake.to(phone).map((m) => m.kind)).toEqual(['template', followUp]);
    expect(h.fake.lookups.made).toBe(lookups + 1);
    expect((await replyItems(phone)).map((q) => q.state)).toEqual(['sent']);

    // The comment's thanks refused with 503 (Twilio never had it): the list shows nothing, and it goes once.
    h.fake.refuseNext(1);
    expect((await h.fake.receive(h.app, phone, 'Lovely chai', { messageSid: newSid('SM') })).statusCode).toBe(200);
    expect(h.fake.to(phone)).toHaveLength(2);
    h.clock.advance(60_000);
    await h.app.sweeper.sweep();
    await h.app.sweeper.sweep();
    expect(h.fake.to(phone).map((m) => m.body.startsWith('Thank you'))).toEqual([false, false, true]);
  });

  it('the server gone while Twilio’s answer was on its way: another instance’s sweep finds the reply in Twilio’s list and sends nothing', async () => {
    const phone = '+923007773002';
    const { surveyId } = await h.start({ kind: 'nps', address: phone, locale: 'en' });
    const held = h.fake.holdAnswer();
    // The first instance stores the score, hands the reply to Twilio, and hears nothing back.
    const webhook = h.fake.receive(h.app, phone, '3', { messageSid: newSid('SM') });
    await held.taken;
    expect(h.fake.to(phone).map((m) => m.kind)).toEqual(['template', followUp]);

    const other = await h.another();
    try {
      // Two minutes on, the reply is still unconfirmed: the other instance's sweeper queues it, and Twilio's list has it.
      h.clock.advance(2 * 60_000 + 1_000);
      const swept = await other.app.sweeper.sweep();
      expect(swept.repliesQueued).toBe(1);
      expect(h.fake.to(phone).map((m) => m.kind)).toEqual(['template', followUp]);
      expect((await replyItems(phone)).map((q) => [q.state, q.unconfirmedSince instanceof Date])).toEqual([['sent', true]]);
      expect(await h.survey(surveyId)).toMatchObject({ state: 'awaiting_comment', score: 3 });
    } finally {
      await other.close();
    }
    // The first instance hears its 500 at last: it queues the reply too, and that is found in the list as well.
    held.release();
    expect((await webhook).statusCode).toBe(200);
    await h.app.sweeper.sweep();
    expect(h.fake.to(phone)).toHaveLength(2);
    expect((await replyItems(phone)).map((q) => q.state)).toEqual(['sent', 'sent']);
  });

  it('a redelivery whose replies Twilio’s list cannot be read for is answered, and its replies go to the outbox, which finds the one Twilio took and sends nothing', async () => {
    const phone = '+923007773401';
    await h.start({ kind: 'nps', address: phone, locale: 'en' });
    const messageSid = newSid('SM');
    const held = h.fake.holdAnswer();
    const first = h.fake.receive(h.app, phone, '9', { messageSid });
    await held.taken;
    const other = await h.another();
    try {
      h.fake.lookups.refuse = 1;
      expect((await h.fake.receive(other.app, phone, '9', { messageSid })).statusCode).toBe(200);
      expect(h.fake.to(phone).map((m) => m.kind)).toEqual(['template', followUp]);
      const replies = () => h.app.db.collection('outbox').find({ channel: 'whatsapp', purpose: 'reply', address: phone }).toArray();
      expect((await replies()).map((q) => [q.state, q.unconfirmedSince instanceof Date])).toEqual([['pending', true]]);
      h.clock.advance(60_000);
      await other.app.sweeper.sweep();
      expect((await replies()).map((q) => q.state)).toEqual(['sent']);
      expect(h.fake.to(phone)).toHaveLength(2);
    } finally {
      await other.close();
    }
    held.release();
    await first;
  });
});

describe('WhatsApp: a send a crash interrupted', () => {
  let h: WhatsappHarness;
  beforeAll(async () => {
    h = await startWhatsappHarness();
  });
  afterAll(() => h?.close());

  const itemsTo = async (phone: string) => (await h.app.db.collection('outbox').find({ channel: 'whatsapp', address: phone }).toArray()).map((i) => [i.purpose, i.state, i.error ?? null]);

  it('an invitation sent as its template, under way when its server died, is found by its template’s text once its lock runs out; one Twilio never got goes, once', async () => {
    const took = '+923007773101';
    const never = '+923007773102';
    const tookHold = h.fake.holdAnswer();
    const tookStart = h.start({ kind: 'nps', address: took, name: 'Sana', locale: 'en' });
    await tookHold.taken;
    const neverHold = h.fake.holdAnswer({ taken: false });
    const neverStart = h.start({ kind: 'nps', address: never, name: 'Ali', locale: 'en' });
    await neverHold.taken;
    expect([h.fake.to(took).map((m) => m.kind), h.fake.to(never)]).toEqual([['template'], []]);
    const other = await h.another();
    try {
      h.clock.advance(5 * 60_000 + 1_000);
      await other.app.sweeper.sweep();
      expect(await itemsTo(took)).toEqual([['invitation', 'sent', null]]);
      expect((await h.app.db.collection('outbox').findOne({ address: took }))?.providerMessageId).toBe(h.fake.to(took)[0]!.sid);
      expect(h.fake.to(took)).toHaveLength(1);
      expect((await itemsTo(never)).map(([purpose, state]) => [purpose, state])).toEqual([['invitation', 'sent']]);
      expect(h.fake.to(never).map((m) => [m.kind, m.body.includes('Ali')])).toEqual([['template', true]]);
    } finally {
      await other.close();
    }
    tookHold.release();
    neverHold.release();
    await Promise.all([tookStart.catch(() => undefined), neverStart.catch(() => undefined)]);
    await h.app.sweeper.sweep();
    expect([h.fake.to(took).length, h.fake.to(never).length]).toEqual([1, 1]);
  });

  it('one whose template’s content cannot be read when it is settled waits under a new lock, and is found once the content can be read', async () => {
    const took = '+923007773103';
    const tookHold = h.fake.holdAnswer();
    const tookStart = h.start({ kind: 'nps', address: took, name: 'Zara', locale: 'en' });
    await tookHold.taken;
    expect(h.fake.to(took).map((m) => m.kind)).toEqual(['template']);
    const checks = async (app: typeof h.app) => Number(/^survey_bot_send_record_checks_total\{channel="whatsapp",result="unknown"\} (\S+)$/m.exec((await app.inject({ url: '/metrics' })).body)?.[1] ?? 0);
    // A new instance has read no template's content yet; the Content API refuses it now.
    const other = await h.another();
    try {
      h.fake.refuseContentReads(1);
      h.clock.advance(5 * 60_000 + 1_000);
      await other.app.sweeper.sweep();
      // Neither failed (the invitation did go) nor sent again: it waits, under a new lock, to be asked again.
      expect(await itemsTo(took)).toEqual([['invitation', 'sending', null]]);
      expect(await checks(other.app)).toBe(1);
      expect(h.fake.to(took)).toHaveLength(1);
      h.clock.advance(60_000);
      await other.app.sweeper.sweep();
      expect(await itemsTo(took)).toEqual([['invitation', 'sending', null]]);

      h.clock.advance(5 * 60_000);
      await other.app.sweeper.sweep();
      expect(await itemsTo(took)).toEqual([['invitation', 'sent', null]]);
      expect((await h.app.db.collection('outbox').findOne({ address: took }))?.providerMessageId).toBe(h.fake.to(took)[0]!.sid);
      expect(h.fake.to(took)).toHaveLength(1);
    } finally {
      await other.close();
    }
    tookHold.release();
    await tookStart.catch(() => undefined);
    await h.app.sweeper.sweep();
    expect(h.fake.to(took)).toHaveLength(1);
  });
});

describe('WhatsApp through a messaging service', () => {
  let h: WhatsappHarness;
  beforeAll(async () => {
    h = await startWhatsappHarness({ TWILIO_WHATSAPP_FROM: `MG${'c'.repeat(32)}` });
  });
  afterAll(() => h?.close());

  describe('a send a crash interrupted', () => {
    it('an invitation Twilio lists with an empty body is neither sent again nor marked failed; it is found once the list shows its text', async () => {
      const took = '+923007773201';
      h.fake.blankServiceContent(true);
      const hold = h.fake.holdAnswer();
      const started = h.start({ kind: 'nps', address: took, name: 'Hina', locale: 'en' });
      await hold.taken;
      expect(h.fake.to(took).map((m) => [m.kind, m.messagingServiceSid])).toEqual([['template', `MG${'c'.repeat(32)}`]]);
      const state = async () => (await h.app.db.collection('outbox').find({ address: took }).toArray()).map((i) => [i.purpose, i.state]);
      const other = await h.another();
      try {
        h.clock.advance(5 * 60_000 + 1_000);
        await other.app.sweeper.sweep();
        expect(await state()).toEqual([['invitation', 'sending']]);
        expect(h.fake.to(took)).toHaveLength(1);

        h.fake.blankServiceContent(false);
        h.clock.advance(5 * 60_000 + 1_000);
        await other.app.sweeper.sweep();
        expect(await state()).toEqual([['invitation', 'sent']]);
        expect((await h.app.db.collection('outbox').findOne({ address: took }))?.providerMessageId).toBe(h.fake.to(took)[0]!.sid);
        expect(h.fake.to(took)).toHaveLength(1);
      } finally {
        await other.close();
      }
      hold.release();
      await started.catch(() => undefined);
    });

    it('another service on the same Twilio account sending the same words to the same person is not taken for the send', async () => {
      const never = '+923007773202';
      const hold = h.fake.holdAnswer({ taken: false });
      const started = h.start({ kind: 'nps', address: never, name: 'Omar', locale: 'en' });
      await hold.taken;
      // The words our template would have gone as, sent by another shop's service meanwhile.
      const ours = h.fake.contents.get(h.templates.invitation)!;
      const words = Object.values(ours.types)[0]!.body!.replace('{{1}}', 'Omar').replace('{{2}}', 'Karachi Chai');
      h.fake.sentByAnother(never, words, { messagingServiceSid: `MG${'d'.repeat(32)}` });
      const other = await h.another();
      try {
        h.clock.advance(5 * 60_000 + 1_000);
        await other.app.sweeper.sweep();
        const sent = h.fake.to(never).filter((m) => m.messagingServiceSid === `MG${'c'.repeat(32)}`);
        expect(sent.map((m) => [m.kind, m.body])).toEqual([['template', words]]);
        expect((await h.app.db.collection('outbox').findOne({ address: never }))?.providerMessageId).toBe(sent[0]!.sid);
      } finally {
        await other.close();
      }
      hold.release();
      await started.catch(() => undefined);
    });
  });

  describe('a reply whose answer was lost', () => {
    it('is looked for once more after a backoff while Twilio lists it with an empty body, and not sent twice', async () => {
      const phone = '+923007773301';
      await h.start({ kind: 'nps', address: phone, locale: 'en' });
      h.fake.blankServiceContent(true);
      h.fake.loseAnswers(1);
      expect((await h.fake.receive(h.app, phone, '9', { messageSid: newSid('SM') })).statusCode).toBe(200);
      expect(h.fake.to(phone).map((m) => m.kind)).toEqual(['template', followUp]);
      const reply = async () => (await h.app.db.collection('outbox').find({ channel: 'whatsapp', purpose: 'reply', address: phone }).toArray()).map((q) => q.state);

      h.clock.advance(60_000);
      await h.app.sweeper.sweep();
      expect(await reply()).toEqual(['pending']);
      expect(h.fake.to(phone)).toHaveLength(2);

      // Twilio has filled the body in since: the next look finds it.
      h.fake.blankServiceContent(false);
      h.clock.advance(60_000);
      await h.app.sweeper.sweep();
      expect(await reply()).toEqual(['sent']);
      expect(h.fake.to(phone).map((m) => m.kind)).toEqual(['template', followUp]);
    });

    it('a redelivery to another instance, after its server died while Twilio took the reply, leaves a reply listed blank to the outbox, which finds it later', async () => {
      const phone = '+923007773303';
      await h.start({ kind: 'nps', address: phone, locale: 'en' });
      h.fake.blankServiceContent(true);
      const messageSid = newSid('SM');
      const held = h.fake.holdAnswer();
      const first = h.fake.receive(h.app, phone, '3', { messageSid });
      await held.taken;
      expect(h.fake.to(phone).map((m) => m.kind)).toEqual(['template', followUp]);
      const other = await h.another();
      try {
        // Twilio delivers the message again, to the other instance: its list shows the reply with an empty body.
        expect((await h.fake.receive(other.app, phone, '3', { messageSid })).statusCode).toBe(200);
        expect(h.fake.to(phone)).toHaveLength(2);
        const queued = await h.app.db.collection('outbox').find({ channel: 'whatsapp', purpose: 'reply', address: phone }).toArray();
        expect(queued.map((q) => [q.state, q.unconfirmedSince instanceof Date])).toEqual([['pending', true]]);

        h.fake.blankServiceContent(false);
        h.clock.advance(60_000);
        await other.app.sweeper.sweep();
        expect(h.fake.to(phone).map((m) => m.kind)).toEqual(['template', followUp]);
        expect((await h.app.db.collection('outbox').find({ channel: 'whatsapp', purpose: 'reply', address: phone }).toArray()).map((q) => q.state)).toEqual(['sent']);
      } finally {
        await other.close();
      }
      held.release();
      await first;
      await h.app.sweeper.sweep();
      expect(h.fake.to(phone)).toHaveLength(2);
    });

    it('goes after that one more look when Twilio still cannot tell: twice rather than none', async () => {
      const phone = '+923007773302';
      await h.start({ kind: 'nps', address: phone, locale: 'en' });
      h.fake.blankServiceContent(true);
      h.fake.loseAnswers(1);
      await h.fake.receive(h.app, phone, '9', { messageSid: newSid('SM') });
      for (let sweep = 0; sweep < 2; sweep++) {
        h.clock.advance(60_000);
        await h.app.sweeper.sweep();
      }
      h.fake.blankServiceContent(false);
      expect(h.fake.to(phone).map((m) => m.kind)).toEqual(['template', followUp, followUp]);
    });
  });
});

describe('WhatsApp: any message whose send went unanswered', () => {
  const owner = '+923009990011';
  let h: WhatsappHarness;
  beforeAll(async () => {
    h = await startWhatsappHarness({ OWNER_ADDRESSES: `whatsapp:${owner}` });
  });
  afterAll(() => h?.close());

  it('a detractor alert whose answer was lost is retried only after Twilio’s list says it did not go', async () => {
    // The owner wrote a moment ago: their window is open, and the alert goes free-form (with its buttons).
    await h.fake.receive(h.app, owner, 'hello');
    const before = h.fake.to(owner).length;
    const customer = '+923001234561';
    await h.start({ kind: 'nps', address: customer, name: 'Sana', locale: 'en' });
    h.fake.loseAnswers(1, owner);
    await h.fake.receive(h.app, customer, '2');
    await h.app.alerts.drain();
    const alerts = () => h.fake.to(owner).slice(before).filter((m) => m.body.startsWith('Detractor alert'));
    expect(alerts().map((m) => m.kind)).toEqual(['quick-reply']);
    const [item] = await h.app.db.collection('outbox').find({ channel: 'whatsapp', purpose: 'alert', address: owner }).toArray();
    expect([item?.state, item?.unconfirmedSince instanceof Date]).toEqual(['pending', true]);

    // Its retry is due within a minute.
    h.clock.advance(60_000);
    await h.app.sweeper.sweep();
    expect(alerts()).toHaveLength(1);
    expect((await h.app.db.collection('outbox').findOne({ _id: item!._id }))?.state).toBe('sent');
  });
});
