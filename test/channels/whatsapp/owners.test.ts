import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hours } from '../../helpers/clock.js';
import { startWhatsappHarness, type WhatsappHarness } from './harness.js';

/**
 * An owner on WhatsApp: the detractor alert reaches them through the owner template while their
 * window is closed, their /reply reaches the customer, and the weekly digest comes as text (through
 * the template again once their window has closed).
 */
describe('WhatsApp: an owner gets alerts and the digest, and replies', () => {
  const owner = '+923009990001';
  let h: WhatsappHarness;
  beforeAll(async () => {
    h = await startWhatsappHarness({ OWNER_ADDRESSES: `whatsapp:${owner}`, DIGEST_SCHEDULE: 'mon 09:00' });
  });
  afterAll(() => h?.close());

  it('a detractor alert goes as the owner template; the owner\'s /reply reaches the customer', async () => {
    const customer = '+923001234541';
    const { surveyId } = await h.start({ kind: 'nps', address: customer, name: 'Sana', locale: 'en' });
    await h.fake.receive(h.app, customer, '2');
    await h.app.alerts.drain();
    const [alert] = h.fake.to(owner);
    expect(alert).toMatchObject({ kind: 'template', contentSid: h.templates.owner });
    expect(alert!.body).toContain(`/reply ${surveyId}`);

    await h.fake.receive(h.app, owner, `/reply ${surveyId} Sorry Sana, your next tea is on us`);
    expect(h.fake.to(customer).at(-1)!.body).toContain('your next tea is on us');
    // The owner's window is open now: the answer to the command came free-form.
    expect(h.fake.to(owner).at(-1)!.kind).toBe('text');
  });

  it('the weekly digest reaches the owner, through the template once their window has closed', async () => {
    const before = h.fake.to(owner).length;
    // Tuesday 15:00 → Monday 09:00 of the next week, and a little.
    h.clock.advance(hours(6 * 24 + 18 + 1));
    await h.app.sweeper.sweep();
    await h.app.sweeper.sweep();
    const digest = h.fake.to(owner).slice(before);
    expect(digest.map((m) => m.kind)).toEqual(['template']);
    expect(digest[0]!.body).toMatch(/NPS/);
    expect(h.fake.refusals.outsideWindow).toBe(0);
  });
});
