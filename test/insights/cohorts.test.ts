import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RollupCounts } from '../../src/store/rollup-counts.js';
import { ValidationError } from '../../src/errors.js';
import { cohortMovedMost, metricsByCohort } from '../../src/insights/cohorts.js';
import { histogramFromScores } from '../../src/scoring/index.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';

describe('metrics by cohort, from the counters', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await buildTestServer({ SWEEP_INTERVAL: '0' });
    const add = (week: string, product: string | undefined, scores: number[]) =>
      Promise.all(scores.map((s) => server.app.store.rollups.add({ businessId: 'default', kind: 'nps', week, channel: 'sms', ...(product ? { context: { product } } : {}) }, ['started', 'score'], s)));
    await add('2026-03-02', 'A', [10, 10, 9, 9, 9]);
    await add('2026-03-02', 'B', [3, 5, 9, 10, 7, 8]);
    await add('2026-03-02', undefined, [9, 0]);
    await add('2026-03-09', 'A', [0, 0]);
    await server.app.store.rollups.add({ businessId: 'other', kind: 'nps', week: '2026-03-02', context: { product: 'A' } }, ['score'], 0);
  });
  afterAll(() => server.close());

  it('gives score, n and margin per group and week, and flags a group beyond the margin from the rest', async () => {
    const m = await metricsByCohort(server.app.store, 'default', { kind: 'nps', by: 'product', period: 'week', from: '2026-03-04', to: '2026-03-10' });
    expect(m.periods.map((p) => p.period)).toEqual(['2026-03-02', '2026-03-09']);
    const [first, second] = m.periods;
    // All 13 answers: 8 promoters, 3 detractors → NPS 500/13.
    expect(first!.business.n).toBe(13);
    expect(first!.business.score).toBeCloseTo(500 / 13, 9);
    const a = first!.groups.find((g) => g.group === 'A')!;
    const b = first!.groups.find((g) => g.group === 'B')!;
    // A: five promoters, NPS 100, margin 0. Rest (B and the two without product): 3 promoters, 3 detractors of 8 → 0,
    // SE 100·sqrt((6/8)/8) = 30.619; difference 100 > 1.96·30.619 = 60.01 → flagged.
    expect([a.n, a.score, a.marginOfError, a.rest.n, a.rest.score]).toEqual([5, 100, 0, 8, 0]);
    expect(a.differenceMargin).toBeCloseTo(1.96 * 100 * Math.sqrt(6 / 8 / 8), 9);
    expect(a.flagged).toBe(true);
    // B: 2 promoters, 2 detractors of 6 → 0, SE 100·sqrt((4/6)/6) = 33.33. Rest: 6 promoters, 1 detractor of 7 → 71.43,
    // SE 100·sqrt((1 − (5/7)²)/7) = 26.45. Difference −71.43, margin 1.96·hypot = 83.41 → within noise.
    expect(b.n).toBe(6);
    expect(b.score).toBe(0);
    expect(b.rest.score).toBeCloseTo(500 / 7, 9);
    expect(b.difference).toBeCloseTo(-500 / 7, 9);
    expect(b.differenceMargin).toBeCloseTo(1.96 * Math.hypot(100 * Math.sqrt(4 / 6 / 6), 100 * Math.sqrt((1 - 25 / 49) / 7)), 9);
    expect(b.flagged).toBe(false);
    // Week 2: only A (two answers): no rest, nothing flagged.
    expect(second!.groups).toEqual([expect.objectContaining({ group: 'A', n: 2, score: -100, flagged: false })]);
  });

  it('sums weeks into months and reads other dimensions', async () => {
    const m = await metricsByCohort(server.app.store, 'default', { kind: 'nps', by: 'product', period: 'month', from: '2026-03-01', to: '2026-03-31' });
    expect(m.periods.map((p) => [p.period, p.business.n])).toEqual([['2026-02', 0], ['2026-03', 15]]);
    expect(m.periods[1]!.groups.find((g) => g.group === 'A')).toMatchObject({ n: 7, score: expect.closeTo(300 / 7, 9) });
    const byChannel = await metricsByCohort(server.app.store, 'default', { kind: 'nps', by: 'channel', period: 'week', from: '2026-03-02', to: '2026-03-02' });
    expect(byChannel.periods[0]!.groups).toEqual([expect.objectContaining({ group: 'sms', n: 13, flagged: false, rest: { n: 0, score: null, marginOfError: null } })]);
  });

  it('refuses a bad query', async () => {
    await expect(metricsByCohort(server.app.store, 'default', { kind: 'nps', by: 'planet' as 'tag', from: '2026-03-01', to: '2026-03-31' })).rejects.toThrow(ValidationError);
    await expect(metricsByCohort(server.app.store, 'default', { kind: 'nps', by: 'tag', from: '2026-04-01', to: '2026-03-31' })).rejects.toThrow('from: must not be after to');
  });
});

describe('the cohort that moved most beyond its margin', () => {
  const counts = new RollupCounts();
  const add = (cohort: string, week: string, scores: number[], to = counts) => to.addRow({ kind: 'nps', week, cohort, sent: 0, started: 0, completed: 0, commented: 0, unscored: 0, scores: histogramFromScores(scores) });
  // product:A over the four weeks before: 9,9,9,9,10,10,10,10,7,3 → 70; this week 2,3,9,4,5 → −60.
  add('product:A', '2026-02-16', [9, 9, 9, 9, 10]);
  add('product:A', '2026-02-23', [10, 10, 10, 7, 3]);
  add('product:A', '2026-03-09', [2, 3, 9, 4, 5]);
  // tag:x moved less; staff:Bo moved a lot but has only 4 answers this week; a baseline week too old for product:Z.
  add('tag:x', '2026-03-02', [9, 9, 9, 10, 10]);
  add('tag:x', '2026-03-09', [9, 9, 8, 8, 6]);
  add('staff:Bo', '2026-03-02', [10, 10, 10, 10, 10]);
  add('staff:Bo', '2026-03-09', [0, 0, 0, 0]);
  add('product:Z', '2026-02-02', [10, 10, 10, 10, 10]);
  add('product:Z', '2026-03-09', [0, 0, 0, 0, 0]);

  it('compares this week with the four before, with their margins, by hand', () => {
    const move = cohortMovedMost(counts, '2026-03-09')!;
    expect(move).toMatchObject({ cohort: 'product:A', kind: 'nps', current: { n: 5, score: expect.closeTo(-60, 9) }, baseline: { n: 10, score: expect.closeTo(70, 9) } });
    expect(move.delta).toBeCloseTo(-130, 9);
    // SE now 100·sqrt((1 − 0.6²)/5) = 35.78, before 100·sqrt((0.9 − 0.7²)/10) = 20.25 → margin 1.96·hypot = 80.57.
    expect(move.marginOfError).toBeCloseTo(1.96 * Math.hypot(100 * Math.sqrt(0.64 / 5), 100 * Math.sqrt(0.41 / 10)), 9);
  });

  it('names none when nothing moved beyond noise', () => {
    const calm = new RollupCounts();
    add('product:A', '2026-03-02', [9, 9, 7, 3, 10], calm);
    add('product:A', '2026-03-09', [9, 8, 7, 3, 10], calm);
    expect(cohortMovedMost(calm, '2026-03-09')).toBeUndefined();
  });
});
