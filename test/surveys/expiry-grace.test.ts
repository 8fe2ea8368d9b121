import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { hours, TestClock } from '../helpers/clock.js';
import { say, visitor } from '../staff/web-chat.js';

/** A score given just before the survey's time-to-live: the comment just asked for still counts. */
describe('the comment asked for just before a survey expires (web chat)', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let server: TestServer;
  beforeAll(async () => {
    server = await buildTestServer({ WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0', SURVEY_TTL: '72h' }, { now: clock.now });
  });
  afterAll(() => server?.close());

  const surveyOf = async (address: string) => (await server.app.store.surveys.latest('default', 'web', address))[0];

  it('is kept when it arrives within the grace period after the sweep', async () => {
    clock.reset();
    const customer = visitor();
    await (await server.app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'web', address: customer, trigger: 'api' });
    clock.advance(hours(72) - 10_000);
    expect((await say(server.app, customer, '9'))[0]).toMatch(/like most/i);
    clock.advance(30_000); // the time-to-live has passed: a sweep runs
    await server.app.sweeper.sweep();
    expect((await surveyOf(customer))?.state).toBe('awaiting_comment');
    clock.advance(5 * 60_000);
    expect((await say(server.app, customer, 'Friendly staff'))[0]).toMatch(/thank/i);
    expect(await surveyOf(customer)).toMatchObject({ state: 'completed', score: 9, comment: 'Friendly staff' });
  });

  it('ends without a comment once the grace period is over', async () => {
    clock.reset();
    const customer = visitor();
    await (await server.app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'web', address: customer, trigger: 'api' });
    clock.advance(hours(72) - 10_000);
    await say(server.app, customer, '9');
    clock.advance(16 * 60_000);
    await server.app.sweeper.sweep();
    const survey = await surveyOf(customer);
    expect(survey).toMatchObject({ state: 'completed', score: 9, abandonedAt: 'comment' });
    expect(survey?.comment).toBeUndefined();
  });
});
