import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDigest } from '../../src/digest/build-digest.js';
import { renderDigest } from '../../src/digest/render-digest.js';
import { TestClock, hours } from '../helpers/clock.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { say, visitor } from '../staff/web-chat.js';

const key = 'k_test_0123456789abcdef';

/**
 * Nine NPS surveys of the week of 2026-03-09, one per way a survey can go, counted by hand:
 *   a  9, comment            scored, completed, commented
 *   b  9, SKIP               scored, completed
 *   c  9, then STOP          scored (opted out at the comment: not completed, not abandoned)
 *   d  two unreadable words  ended without a score (unparseable)
 *   e  STOP                  ended without a score (opted out)
 *   f  nothing, expires      ended without a score (expired)
 *   h  9, expires            scored, completed (without a comment)
 *   g  nothing, sent Friday  still waiting for a score: neither answered nor abandoned yet
 *   i  9, sent Friday        scored, still waiting for its comment
 * sent 9, scored 5 (a b c h i), completed 3 (a b h), ended without a score 3 (d e f), waiting 1 (g):
 * response rate 5/9 = 55.6 %, completion rate 3/9 = 33.3 %, abandonment 3/9 = 33.3 %.
 */
describe('response, completion and abandonment rates against a hand count', () => {
  const clock = new TestClock('2026-03-10T10:00:00Z'); // Tuesday
  const owner = visitor();
  let server: TestServer;

  beforeAll(async () => {
    server = await buildTestServer({ WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0', THROTTLE_DAYS: '0', API_KEY: key, OWNER_ADDRESSES: `web:${owner}` }, { now: clock.now });
    const { app } = server;
    const survey = async (...texts: string[]) => {
      const address = visitor();
      const r = await (await app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'web', address });
      expect(r.status).toBe('sent');
      for (const text of texts) await say(app, address, text);
    };
    await survey('9', 'friendly staff'); // a
    await survey('9', 'SKIP'); // b
    await survey('9', 'STOP'); // c
    await survey('hmm', 'what'); // d
    await survey('STOP'); // e
    await survey(); // f
    await survey('9'); // h
    clock.advance(hours(74)); // Friday 12:00: the TTL (72 h) of Tuesday's surveys is over
    await survey(); // g
    await survey('9'); // i
    await app.sweeper.sweep(); // f expires without a score, h with one
  });
  afterAll(() => server?.close());

  it('the surveys are in the states the hand count assumes', async () => {
    const states: Array<{ _id: string; n: number }> = await server.app.store.surveys.model.aggregate([{ $group: { _id: '$state', n: { $sum: 1 } } }]);
    expect(Object.fromEntries(states.map((s) => [s._id, s.n]))).toEqual({ completed: 3, opted_out: 2, expired: 2, invited: 1, awaiting_comment: 1 });
  });

  it('/api/v1/stats', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/api/v1/stats?period=7d', headers: { 'x-api-key': key } });
    const [nps] = res.json().kinds;
    expect(nps).toMatchObject({ kind: 'nps', sent: 9, n: 5 });
    expect(nps.responseRate).toBeCloseTo(5 / 9, 10);
    expect(nps.completionRate).toBeCloseTo(3 / 9, 10);
    expect(nps.abandonmentRate).toBeCloseTo(3 / 9, 10);
  });

  it('/stats', async () => {
    const [stats] = await say(server.app, owner, '/stats 7d');
    expect(stats).toMatch(/^NPS .* \(n=5\); sent 9, response rate 55\.6%, abandonment 33\.3%$/m);
  });

  it('the weekly digest', async () => {
    const digest = renderDigest(await buildDigest(server.app.store, 'default', '2026-03-09'));
    expect(digest).toContain('  5 responses of 9 sent; response rate 55.6%, abandonment 33.3%');
  });
});
