import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusinessPlace } from './business-place.js';
import { TestClock, hours } from '../helpers/clock.js';
import type { DriverSession } from './driver.js';
import { drivers } from './drivers/index.js';
import { scenarios } from './scenarios.js';

/** Every scenario on every channel, on a business from `place`. */
export function runScenarios(place: BusinessPlace): void {
  for (const driver of drivers) {
    describe(`scenarios on ${driver.name} (business from the ${place})`, () => {
      const clock = new TestClock();
      let session: DriverSession;
      beforeAll(async () => {
        session = await driver.setup(clock, place);
      });
      afterAll(async () => {
        await session?.close();
      });

      for (const scenario of scenarios) {
        it(scenario.name, async () => {
          const { app } = session.server;
          clock.reset();
          const address = await session.newCustomer();
          const started = await (await app.businesses.get(session.businessId))!.surveys.start({ kind: scenario.kind, channel: driver.name, address, locale: scenario.locale, trigger: 'api' });
          expect(started.status).toBe('sent');

          let counter = 0;
          const delivered = new Map<string, { id: string; text?: string; choice?: string }>();
          const lastSent = async () => (await session.sent(address)).at(-1);
          for (const step of scenario.steps) {
            if ('say' in step || 'tap' in step) {
              const message = { id: step.id ?? `m${++counter}`, ...('say' in step ? { text: step.say } : { choice: step.tap }) };
              delivered.set(message.id, message);
              await session.deliver(address, message);
            } else if ('replay' in step) {
              await session.deliver(address, delivered.get(step.replay)!);
            } else if ('wait' in step) {
              clock.advance(hours(step.wait));
              await app.sweeper.sweep();
            } else if ('expectLast' in step) {
              expect((await lastSent())?.text).toMatch(step.expectLast);
            } else {
              expect(await session.sent(address)).toHaveLength(step.expectCount);
            }
          }

          const survey = await app.store.surveys.model.findOne({ businessId: session.businessId, channel: driver.name, address }).lean();
          const want = scenario.stored;
          expect(survey?.state).toBe(want.state);
          if (want.score !== undefined) expect(survey?.score).toBe(want.score);
          if (want.band !== undefined) expect(survey?.band).toBe(want.band);
          if (want.comment !== undefined) expect(survey?.comment ?? null).toBe(want.comment);
          if (want.abandonedAt !== undefined) expect(survey?.abandonedAt ?? null).toBe(want.abandonedAt);
          if (want.state === 'completed') expect(survey?.completedAt).toBeInstanceOf(Date);
          if (want.score !== undefined) expect(survey?.answeredAt).toBeInstanceOf(Date);
          if (want.optedOut !== undefined) {
            const customer = await app.store.customers.model.findOne({ businessId: session.businessId, channel: driver.name, address }).lean();
            expect(Boolean(customer?.optedOutAt)).toBe(want.optedOut);
          }
        });
      }
    });
  }
}
