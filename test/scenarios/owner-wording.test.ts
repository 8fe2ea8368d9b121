/**
 * The survey in the owner's own words on every channel: a business changes its NPS question and its
 * detractor follow-up through the content API, and a customer on SMS, Telegram, Teams, web chat and
 * WhatsApp sees them, filled in, through the same drivers (real SDKs, signed webhooks) as the
 * scenarios; another business on the same channel still asks in the shipped words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { TestClock } from '../helpers/clock.js';
import type { DriverSession } from './driver.js';
import { drivers } from './drivers/index.js';

const question = 'On a scale of {min} to {max}, would you send a friend to {business}? Reply {min}-{max}';
const detractor = '{hasName, select, yes {Sorry, {firstName}.} other {Sorry.}} What let you down at {business}?';
const shippedQuestion = (business: string) => `How likely are you to recommend ${business} to a friend or colleague? Reply 0-10`;
const shippedDetractor = 'Sorry to hear that. What should we have done better?';

/** A key of the business with these scopes, as the API hands it out. */
const keyOf = async (app: FastifyInstance, businessId: string) =>
  (await app.store.apiKeys.create({ businessId, name: 'owner', scopes: ['admin', 'surveys:write'] })).key;

for (const driver of drivers) {
  describe(`the owner's wording on ${driver.name}`, () => {
    const clock = new TestClock();
    // The owner's business is created through the operator API; the other is the environment's, untouched.
    let owner: DriverSession;
    let other: DriverSession;
    let messageNo = 0;

    beforeAll(async () => {
      [owner, other] = await Promise.all([driver.setup(clock, 'api'), driver.setup(clock)]);
      const { app } = owner.server;
      const saved = await app.inject({
        method: 'PUT',
        url: '/api/v1/content/nps/en',
        headers: { 'x-api-key': await keyOf(app, owner.businessId) },
        payload: { messages: { question, 'followUp.detractor': detractor } },
      });
      expect(saved.statusCode, saved.body).toBe(200);
    });
    afterAll(async () => {
      await Promise.all([owner?.close(), other?.close()]);
    });

    /**
     * One NPS survey started through the API and answered with a detractor score and a comment:
     * the question and the follow-up as the customer saw them, and the survey as stored.
     */
    const answer = async (session: DriverSession, score: string, comment: string, wroteFirst = driver.name === 'whatsapp') => {
      const { app } = session.server;
      const address = await session.newCustomer();
      // WhatsApp sends free-form words only inside the 24-hour window (outside it, the business's approved template).
      if (wroteFirst) await session.deliver(address, { id: `w${++messageNo}`, text: 'Hi' });
      const before = (await session.sent(address)).length;
      const started = await app.inject({
        method: 'POST',
        url: '/api/v1/surveys',
        headers: { 'x-api-key': await keyOf(app, session.businessId) },
        payload: { kind: 'nps', channel: driver.name, address },
      });
      expect(started.statusCode, started.body).toBe(201);
      const asked = (await session.sent(address)).slice(before);
      await session.deliver(address, { id: `w${++messageNo}`, text: score });
      const followUp = (await session.sent(address)).at(-1)?.text ?? '';
      await session.deliver(address, { id: `w${++messageNo}`, text: comment });
      const survey = await app.store.surveys.model.findOne({ businessId: session.businessId, channel: driver.name, address }).lean();
      return { asked: asked.map((m) => m.text), followUp, survey };
    };

    it('asks the question and the detractor follow-up in the owner\'s words, filled in, and stores the answers', async () => {
      const business = owner.server.config.business.name;
      const seen = await answer(owner, '3', 'cold coffee');
      expect(seen.asked).toHaveLength(1);
      expect(seen.asked[0]).toContain(`On a scale of 0 to 10, would you send a friend to ${business}? Reply 0-10`);
      expect(seen.asked[0]).not.toContain('How likely');
      expect(seen.followUp).toContain(`Sorry. What let you down at ${business}?`);
      expect(seen.followUp).not.toContain(shippedDetractor);
      // Filled in: no placeholder or select form left for the customer to read.
      expect([...seen.asked, seen.followUp].join('\n')).not.toMatch(/[{}]/);
      expect(seen.survey).toMatchObject({ businessId: owner.businessId, kind: 'nps', state: 'completed', score: 3, comment: 'cold coffee' });
    });

    it('asks another business\'s customers in the shipped words', async () => {
      const business = other.server.config.business.name;
      const seen = await answer(other, '2', 'too slow');
      expect(seen.asked).toHaveLength(1);
      expect(seen.asked[0]).toContain(shippedQuestion(business));
      expect(seen.asked[0]).not.toContain('would you send a friend');
      expect(seen.followUp).toContain(shippedDetractor);
      expect(seen.survey).toMatchObject({ businessId: other.businessId, kind: 'nps', state: 'completed', score: 2, comment: 'too slow' });
    });

    if (driver.name === 'whatsapp') {
      it('invites outside the 24-hour window with the business\'s approved template, then follows up in the owner\'s words', async () => {
        const business = owner.server.config.business.name;
        const seen = await answer(owner, '1', 'never again', false);
        // The template's words are the ones WhatsApp approved (here the shipped ones): a changed wording cannot reach them.
        // (The driver's template carries the context as a variable, "-" when a survey has none.)
        expect(seen.asked).toHaveLength(1);
        expect(seen.asked[0]).toContain(`how likely are you to recommend ${business} to a friend or colleague? Reply 0-10`);
        expect(seen.asked[0]).not.toContain('would you send a friend');
        expect(seen.followUp).toContain(`Sorry. What let you down at ${business}?`);
        expect(seen.survey).toMatchObject({ state: 'completed', score: 1, comment: 'never again' });
      });
    }
  });
}
