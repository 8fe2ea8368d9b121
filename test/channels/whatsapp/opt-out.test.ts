import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hours } from '../../helpers/clock.js';
import { startWhatsappHarness, type WhatsappHarness } from './harness.js';

/**
 * WhatsApp has no carrier keywords: the bot itself opts people out and in. STOP in each shipped
 * language is confirmed, and nothing is sent afterwards (no reminder, no new invitation) until START.
 */
describe('WhatsApp opt-out is the bot\'s own', () => {
  let h: WhatsappHarness;
  beforeAll(async () => {
    h = await startWhatsappHarness();
  });
  afterAll(() => h?.close());

  const cases = [
    { word: 'STOP', locale: 'en', customer: '+923001234521' },
    { word: 'alto', locale: 'es', customer: '+923001234522' },
    { word: 'بند', locale: 'ur', customer: '+923001234523' },
  ] as const;

  it('STOP, alto and بند opt out with a confirmation; nothing is sent afterwards', async () => {
    const surveys: string[] = [];
    for (const { word, locale, customer } of cases) {
      const { surveyId } = await h.start({ kind: 'csat', address: customer, locale });
      surveys.push(surveyId);
      expect((await h.fake.receive(h.app, customer, word)).statusCode).toBe(200);
      const sent = h.fake.to(customer);
      expect(sent.map((m) => m.body), word).toHaveLength(2);
      expect(sent[1]!.kind).toBe('text');
      expect(await h.survey(surveyId)).toMatchObject({ state: 'opted_out' });
    }
    const before = h.fake.messages.length;
    for (const { customer, locale } of cases) {
      const again = await h.app.inject({ method: 'POST', url: '/api/v1/surveys', headers: { 'x-api-key': 'k_test_whatsapp_0123456789abcdef' }, payload: { channel: 'whatsapp', kind: 'nps', address: customer, locale } });
      expect(again.json()).toMatchObject({ status: 'opted_out' });
    }
    h.clock.advance(hours(25));
    await h.app.sweeper.sweep();
    await h.app.sweeper.sweep();
    expect(h.fake.messages.length).toBe(before);
  });

  it('START opts back in, confirmed; the next survey is sent', async () => {
    const { customer } = cases[0];
    const before = h.fake.to(customer).length;
    await h.fake.receive(h.app, customer, 'START');
    expect(h.fake.to(customer).length).toBeGreaterThan(before);
    const next = await h.start({ kind: 'nps', address: customer, locale: 'en' });
    expect(next.status).toBe('sent');
  });
});
