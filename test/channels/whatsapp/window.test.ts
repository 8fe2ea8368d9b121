import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hours } from '../../helpers/clock.js';
import { startWhatsappHarness, type WhatsappHarness } from './harness.js';

describe('WhatsApp: the window when our reading of it is wrong, and stale taps', () => {
  let h: WhatsappHarness;
  beforeAll(async () => {
    h = await startWhatsappHarness();
  });
  afterAll(() => h?.close());

  it('a 63016 refusal of a free-form reminder is sent again as the template', async () => {
    const customer = '+923001234531';
    await h.start({ kind: 'nps', address: customer, locale: 'ur' });
    // Half a day later the customer asks for help (the window opens), then WhatsApp no longer counts it (a clock apart).
    h.clock.advance(hours(12));
    await h.fake.receive(h.app, customer, 'مدد');
    h.fake.closeWindowOf(customer);
    const refusedBefore = h.fake.refusals.outsideWindow;
    const slots = () => h.app.db.collection('send_slots').countDocuments({ _id: { $regex: '^twilio:whatsapp:' } } as never);
    const slotsBefore = await slots();
    h.clock.advance(hours(12.5));
    await h.app.sweeper.sweep();
    await h.app.sweeper.sweep();
    expect(h.fake.refusals.outsideWindow).toBe(refusedBefore + 1);
    expect(h.fake.to(customer).at(-1)).toMatchObject({ kind: 'template', contentSid: h.templates.reminder });
    // Two messages, two slots of the sender's pace. This instance's sends are still among its first
    // (cold: each also holds its lane's next turn, see shared-send-queue.ts), so four slots are held.
    expect(await slots()).toBe(slotsBefore + 4);
  });

  it('a tap on a survey that ended changes nothing and gets the notice; an answer to the open one counts', async () => {
    const customer = '+923001234532';
    const first = await h.start({ kind: 'csat', address: customer, locale: 'en' });
    await h.fake.receive(h.app, customer, 'what?');
    const oldQuestion = h.fake.to(customer).at(-1)!;
    expect(oldQuestion.kind).toBe('list-picker');
    await h.fake.receive(h.app, customer, 'STOP');
    h.clock.advance(60_000);
    await h.fake.receive(h.app, customer, 'START');
    h.clock.advance(60_000);
    const second = await h.start({ kind: 'csat', address: customer, locale: 'en' });
    expect(second.status).toBe('sent');
    const sent = h.fake.to(customer).length;

    await h.fake.tap(h.app, oldQuestion, oldQuestion.items[0]!.item);
    expect(await h.survey(second.surveyId)).toMatchObject({ state: 'invited', score: null });
    expect(await h.survey(first.surveyId)).toMatchObject({ state: 'opted_out', score: null });
    const notice = h.fake.to(customer).slice(sent);
    expect(notice).toHaveLength(1);
    expect(notice[0]!.body).toMatch(/ended|no longer|closed/i);

    const typed = await h.fake.receive(h.app, customer, '5');
    expect(typed.statusCode, typed.body).toBe(200);
    expect(await h.survey(second.surveyId)).toMatchObject({ state: 'awaiting_comment', score: 5 });
  });
});
