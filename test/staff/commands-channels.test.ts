import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../helpers/clock.js';
import type { DriverSession } from '../scenarios/driver.js';
import { drivers } from '../scenarios/drivers/index.js';

// The same owner conversation on every channel, through its real webhook and fake provider.
for (const driver of drivers) {
  describe(`owner commands on ${driver.name}`, () => {
    const clock = new TestClock('2026-03-10T15:00:00Z');
    let session: DriverSession;
    let owner: string;
    beforeAll(async () => {
      session = await driver.setup(clock);
      owner = await session.newCustomer();
      await (await session.server.app.businesses.get('default'))!.staff.add({ channel: driver.name, address: owner }, 'owner');
    });
    afterAll(() => session?.close());

    it('sends a survey, gets the detractor alert and replies to the customer', async () => {
      const customer = await session.newCustomer();
      await session.deliver(owner, { id: 'c1', text: '/help' });
      expect((await session.sent(owner)).at(-1)?.text).toMatch(/^Commands:/);

      await session.deliver(owner, { id: 'c2', text: `/survey nps ${driver.name}:${customer} the new menu` });
      const answer = (await session.sent(owner)).at(-1)?.text ?? '';
      const surveyId = /survey ([a-f0-9]{24})/.exec(answer)?.[1];
      expect(answer).toMatch(/^NPS survey sent/);
      expect((await session.sent(customer)).at(-1)?.text).toMatch(/About the new menu/);

      await session.deliver(customer, { id: 'a1', text: '3' });
      expect((await session.sent(owner)).at(-1)?.text).toBe(`Detractor alert: NPS 3 from a customer. Reply with: /reply ${surveyId} <your message>`);

      await session.deliver(owner, { id: 'c3', text: `/reply ${surveyId} Sorry, we will fix it` });
      expect((await session.sent(customer)).at(-1)?.text).toBe('Sorry, we will fix it');
      expect((await session.server.app.store.surveys.model.findById(surveyId).lean())?.replies).toHaveLength(1);

      await session.deliver(owner, { id: 'c4', text: '/stats 30d' });
      expect((await session.sent(owner)).at(-1)?.text).toMatch(/NPS -100 .*\(n=1\); sent 1, response rate 100%/);
      await session.deliver(owner, { id: 'c5', text: '/digest' });
      expect((await session.sent(owner)).at(-1)?.text).toMatch(/^(Weekly digest, week of|Week) 2026-03-02/);
    });

    it('answers a customer typing a command with the customer help text', async () => {
      const stranger = await session.newCustomer();
      await session.deliver(stranger, { id: 's1', text: '/stats' });
      expect((await session.sent(stranger)).at(-1)?.text).toMatch(/sends short feedback surveys/);
    });
  });
}

describe('an owner on SMS', () => {
  const sms = drivers.find((d) => d.name === 'sms')!;
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let session: DriverSession;
  let owner: string;
  beforeAll(async () => {
    session = await sms.setup(clock);
    owner = await session.newCustomer();
    await (await session.server.app.businesses.get('default'))!.staff.add({ channel: 'sms', address: owner }, 'owner');
  });
  afterAll(() => session?.close());

  it('surveys a number written as people write it, with spaces and no country code', async () => {
    const customer = await session.newCustomer(); // +1415555xxxx
    const national = `(415) 555-${customer.slice(-4)}`;
    await session.deliver(owner, { id: 'n1', text: `survey csat ${national} order 1042` });
    expect((await session.sent(owner)).at(-1)?.text).toMatch(/^CSAT survey sent \(survey [a-f0-9]{24}\)\.$/);
    expect((await session.sent(customer)).at(-1)?.text).toMatch(/order 1042/);
  });

  it('says which part of a command is wrong', async () => {
    await session.deliver(owner, { id: 'n2', text: 'survey nps 555' });
    expect((await session.sent(owner)).at(-1)?.text).toBe('"555" is not a phone number: write it in international format such as +14155552671\nUsage: /survey nps|csat|ces <phone | customer id | channel:address> [context]');
  });
});
