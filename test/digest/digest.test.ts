import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDigest } from '../../src/digest/build-digest.js';
import { renderDigest, renderSmsDigest } from '../../src/digest/render-digest.js';
import { trendChart, trendSeries } from '../../src/digest/trend-chart.js';
import { TestClock } from '../helpers/clock.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { say, transcript, visitor } from '../staff/web-chat.js';
import { seedTwoWeeks } from './seed.js';

describe('weekly digest', () => {
  const clock = new TestClock('2026-03-03T15:00:00Z');
  const owner = visitor();
  let server: TestServer;
  let ids: Awaited<ReturnType<typeof seedTwoWeeks>>;
  beforeAll(async () => {
    server = await buildTestServer({ WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0', THROTTLE_DAYS: '0', OWNER_ADDRESSES: `web:${owner}`, PUBLIC_URL: 'https://bot.example.com' }, { now: clock.now });
    ids = await seedTwoWeeks(server.app, clock);
    await say(server.app, owner, `/reply ${ids.rudeStaff} So sorry, the manager will call you`);
  });
  afterAll(() => server?.close());

  // NPS this week: 10, 2, 0, 8, 7 → 1 promoter, 2 detractors of 5 = −20; last week 10, 9, 3 → +33.3.
  // SE = sqrt((0.2+0.4−0.2²)/5) and sqrt((2/3+1/3−(1/3)²)/3); MoE of the change 1.96·hypot = 125.2.
  // Sent 6, scored 5 (83.3 %); the one never answered expired at the Monday sweep: abandonment 1/6 = 16.7 %
  // (the Sunday 7 still waiting for its comment has a score, so it is not abandoned).
  // CSAT 1, 2 → 0 % vs 5, 4 → 100 %; both weeks unanimous, so SE 0 and the change counts as beyond noise.
  const expected = () =>
    [
      'Weekly digest, week of 2026-03-09 (compared with 2026-03-02)',
      // The week's margin as /stats shows it: 1.96·sqrt((0.2+0.4−0.2²)/5) = 65.6 points; CSAT unanimous, ±0.
      'NPS -20 ±65.6 (n=5): -53.3 vs last week (NPS +33.3; within noise, ±125.2)',
      '  5 responses of 6 sent; response rate 83.3%, abandonment 16.7%',
      'CSAT 0% ±0 (n=2): -100 pts vs last week (CSAT 100%; beyond noise)',
      '  2 responses of 2 sent; response rate 100%, abandonment 0%',
      // Detractors only, worst first; promoters only, best first: the passive's "ok" is in neither,
      // and no comment is in both (before, "rude staff" and "ok" were among the highest too).
      'Worst detractor comments:',
      '  CSAT 1 Cy: "broken item"',
      '  NPS 2 Bo: "rude staff"',
      'Best promoter comments:',
      '  NPS 10 Ana: "perfect"',
      'Detractors waiting for a reply: 3',
      `  NPS 0: /reply ${ids.zero} <message>`,
      `  CSAT 1 Cy: /reply ${ids.broken} <message>`,
      `  CSAT 2: /reply ${ids.csat2} <message>`,
      'Moved most: vip NPS -100 (NPS +100 to NPS 0)',
      'Dashboard: https://bot.example.com/dashboard',
    ].join('\n');

  it('goes to the owner at Monday 09:00 with every number of the week against the week before', async () => {
    const { app } = server;
    const before = (await transcript(app, owner)).length;
    clock.advance(14 * 3_600_000 - 60_000); // Mon 2026-03-16 08:59
    expect((await app.sweeper.sweep()).digests).toBe(0);
    clock.advance(60_000);
    expect((await app.sweeper.sweep()).digests).toBe(1);
    expect((await transcript(app, owner)).slice(before)).toEqual([expected()]);
    expect((await app.sweeper.sweep()).digests).toBe(0); // once a week
    expect(await app.store.digests.model.find({}, { _id: 0, periodStart: 1, state: 1 }).lean()).toEqual([{ periodStart: '2026-03-09', state: 'sent' }]);
  });

  it('answers /digest with the same digest, on demand', async () => {
    expect(await say(server.app, owner, '/digest')).toEqual([expected()]);
  });

  it('fits the SMS version in two segments of plain text, details behind the dashboard link', async () => {
    const sms = await (await server.app.businesses.get('default'))!.digests.text('2026-03-09', 'sms');
    expect(sms).toMatch(/^Week 2026-03-09: NPS -20 \(-53\.3, noise\) n=5 resp 83\.3% aband 16\.7%;.* More: https:\/\/bot\.example\.com\/dashboard$/);
    expect(sms.length).toBeLessThanOrEqual(306);
    expect(sms).toMatch(/^[\x20-\x7e]*$/);
  });

  it('prints a link line only when given a URL', async () => {
    const digest = await buildDigest(server.app.store, 'default', '2026-03-09');
    const url = 'https://bot.example.com/report';
    expect(renderDigest(digest).split('\n').at(-1)).toBe('Moved most: vip NPS -100 (NPS +100 to NPS 0)');
    expect(renderDigest(digest, url).split('\n').at(-1)).toBe(`Dashboard: ${url}`);
    expect(renderSmsDigest(digest)).not.toMatch(/More:|undefined/);
    expect(renderSmsDigest(digest, url)).toMatch(/ 3 detractors need a reply\. More: https:\/\/bot\.example\.com\/report$/);
  });

  it('charts the last 12 weeks of scores from the counters', async () => {
    const { weeks, series } = await trendSeries(server.app.store, 'default', '2026-03-09');
    expect(weeks).toHaveLength(12);
    expect(weeks.at(-1)).toBe('2026-03-09');
    const nps = series.find((s) => s.kind === 'nps')!.points;
    expect(nps.slice(0, 10).every((p) => p === null)).toBe(true);
    expect(nps[10]).toBeCloseTo(33.33, 1);
    expect(nps[11]).toBeCloseTo(-20, 5);
    expect(series.find((s) => s.kind === 'csat')!.points.slice(10)).toEqual([100, 0]);
    const chart = await trendChart(server.app.store, 'default', '2026-03-09');
    expect(chart?.png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(chart?.alt).toMatch(/NPS -20, CSAT 0/);
  });
});
