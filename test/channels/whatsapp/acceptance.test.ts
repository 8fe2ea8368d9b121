import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hours } from '../../helpers/clock.js';
import { startWhatsappHarness, type WhatsappHarness } from './harness.js';

/**
 * A WhatsApp survey from a closed window to a comment: the invitation goes as the business's
 * approved template, the question inside the window as a list picker, answered by a tap or by
 * typed Urdu digits; a reminder a day later goes as a template again. Nothing free-form is ever
 * attempted outside the window (the fake counts refusals).
 */
describe('WhatsApp: invited by template, answered by tap and by Urdu digits', () => {
  let h: WhatsappHarness;
  beforeAll(async () => {
    h = await startWhatsappHarness();
  });
  afterAll(() => h?.close());

  it('a CSAT survey: template invitation, a question again as a list, a tap, a comment; completed', async () => {
    const customer = '+923001234501';
    const { surveyId, status } = await h.start({ kind: 'csat', address: `whatsapp:${customer}`, name: 'Ayesha Khan', locale: 'ur' });
    expect(status).toBe('sent');
    const [invitation] = h.fake.to(customer);
    expect(invitation).toMatchObject({ kind: 'template', contentSid: h.templates.invitation });
    expect(invitation!.body).toContain('Ayesha');
    expect(invitation!.body).toContain('Karachi Chai');

    // Not a score: the question comes again, now inside the window, as a list of the five answers.
    expect((await h.fake.receive(h.app, customer, 'کیا مطلب؟')).statusCode).toBe(200);
    const question = h.fake.to(customer).at(-1)!;
    expect(question.kind).toBe('list-picker');
    expect(question.items.map((i) => i.item)).toEqual(['۱ 😠', '۲ 🙁', '۳ 😐', '۴ 🙂', '۵ 😄']);

    expect((await h.fake.tap(h.app, question, '۴ 🙂')).statusCode).toBe(200);
    const followUp = h.fake.to(customer).at(-1)!;
    expect(followUp.kind).toBe('quick-reply');
    expect(followUp.buttons).toHaveLength(1);

    await h.fake.receive(h.app, customer, 'چائے بہت اچھی تھی');
    expect(await h.survey(surveyId)).toMatchObject({ state: 'completed', score: 4, comment: 'چائے بہت اچھی تھی' });
  });

  it('an NPS survey answered by typing ۹ (NPS is typed: eleven values fit no list), then a comment', async () => {
    const customer = '+923001234502';
    const { surveyId } = await h.start({ kind: 'nps', address: customer, name: 'Bilal', locale: 'ur' });
    expect(h.fake.to(customer).map((m) => m.kind)).toEqual(['template']);
    await h.fake.receive(h.app, customer, '۹');
    expect(h.fake.to(customer).at(-1)!.kind).toBe('quick-reply');
    await h.fake.receive(h.app, customer, 'جلدی سروس');
    expect(await h.survey(surveyId)).toMatchObject({ state: 'completed', score: 9, comment: 'جلدی سروس' });
  });

  it('a reminder a day after the invitation goes as the reminder template', async () => {
    const customer = '+923001234503';
    await h.start({ kind: 'nps', address: customer, locale: 'ur' });
    h.clock.advance(hours(25));
    await h.app.sweeper.sweep();
    await h.app.sweeper.sweep();
    expect(h.fake.to(customer).map((m) => [m.kind, m.contentSid])).toEqual([
      ['template', h.templates.invitation],
      ['template', h.templates.reminder],
    ]);
    expect(h.fake.to(customer)[1]!.body).toContain('Karachi Chai');
  });

  it('without a template for it (no Spanish reminder), a message outside the window is not attempted: given up with the reason', async () => {
    const customer = '+34600123504';
    const { surveyId } = await h.start({ kind: 'nps', address: customer, locale: 'es' });
    h.clock.advance(hours(25));
    await h.app.sweeper.sweep();
    await h.app.sweeper.sweep();
    expect(h.fake.to(customer).map((m) => m.contentSid)).toEqual([h.templates.invitation]);
    const reminder = await h.app.db.collection('outbox').findOne({ surveyId: new Types.ObjectId(surveyId), purpose: 'reminder' });
    expect(reminder).toMatchObject({ state: 'failed', error: '63016: outside the 24-hour window, and no reminder template in es' });
  });

  it('no free-form message was attempted outside a window', () => {
    expect(h.fake.refusals).toEqual({ outsideWindow: 0, limits: 0, unapproved: 0 });
  });
});
