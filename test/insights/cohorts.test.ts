import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RollupCounts } from '../../src/store/rollup-counts.js';
import { ValidationError } from '../../src/errors.js';
import { cohortMovedMost, metricsByCohort } from '../../src/insights/cohorts.js';
import { histogramFromScores, testDifference, twoSidedP } from '../../src/scoring/index.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';

describe('metrics by cohort, from the counters', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await buildTestServer({ SWEEP_INTERVAL: '0' });
    const add = (week: string, product: string | undefined, scores: number[]) =>
      Promise.all(scores.map((s) => server.app.store.rollups.add({ businessId: 'default', kind: 'nps', week, channel: 'sms', ...(product ? { context: { product } } : {}) }, ['scored', 'score'], s)));
    await add('2026-03-02', 'A', Array<number>(12).fill(10));
    await add('2026-03-02', 'B', [...Array<number>(6).fill(9), ...Array<number>(6).fill(3)]);
    await add('2026-03-02', undefined, [9, 0]);
    await add('2026-03-09', 'A', [0, 0]);
    await server.app.store.rollups.add({ businessId: 'other', kind: 'nps', week: '2026-03-02', context: { product: 'A' } }, ['score'], 0);
  });
  afterAll(() => server.close());

  it('gives score, n and margin per group and week, and flags groups by the adjusted p of a pooled test', async () => {
    const m = await metricsByCohort(server.app.store, 'default', { kind: 'nps', by: 'product', period: 'week', from: '2026-03-04', to: '2026-03-10' });
    expect(m.periods.map((p) => p.period)).toEqual(['2026-03-02', '2026-03-09']);
    const [first, second] = m.periods;
    // All 26 answers: 19 promoters, 7 detractors → NPS 1200/26.
    expect(first!.business.n).toBe(26);
    expect(first!.business.score).toBeCloseTo(1200 / 26, 9);
    const a = first!.groups.find((g) => g.group === 'A')!;
    const b = first!.groups.find((g) => g.group === 'B')!;
    // A: 12 promoters, NPS 100, margin 0. Rest (B and the two without product): 7 promoters, 7 detractors of 14 → 0.
    expect([a.n, a.score, a.marginOfError, a.rest.n, a.rest.score, a.difference]).toEqual([12, 100, 0, 14, 0, 100]);
    // Margin of the difference, unpooled: 1.96·100·sqrt(0/12 + 1/14) = 52.38.
    expect(a.differenceMargin).toBeCloseTo(1.96 * 100 * Math.sqrt(1 / 14), 9);
    // Pooled over the 26: variance 19/26 + 7/26 − (12/26)² = 0.78698; SE 100·sqrt(0.78698·(1/12 + 1/14)) = 34.90; z = 2.865, p = 0.0042.
    const se = 100 * Math.sqrt((1 - (12 / 26) ** 2) * (1 / 12 + 1 / 14));
    expect(a.p).toBeCloseTo(twoSidedP(100 / se), 12);
    expect(a.p).toBeCloseTo(0.00417, 4);
    // B: 6 promoters, 6 detractors → 0; rest: 13 promoters, 1 detractor of 14 → 85.71; same pooled SE (same sides' sizes).
    expect([b.n, b.score, b.rest.n]).toEqual([12, 0, 14]);
    expect(b.difference).toBeCloseTo(-1200 / 14, 9);
    expect(b.p).toBeCloseTo(twoSidedP(-1200 / 14 / se), 12);
    expect(b.p).toBeCloseTo(0.01405, 4);
    // Two tests in the family (week 2 has too few answers): Benjamini–Hochberg q = 2·p(A)/1 and 2·p(B)/2.
    expect(a.adjustedP).toBeCloseTo(2 * a.p!, 12);
    expect(b.adjustedP).toBeCloseTo(b.p!, 12);
    expect([a.flagged, b.flagged]).toEqual([true, true]);
    // Week 2: only A (two answers): no rest, not tried.
    expect(second!.groups).toEqual([expect.objectContaining({ group: 'A', n: 2, score: -100, adjustedP: null, flagged: false })]);
  });

  it('sums weeks into months and reads other dimensions', async () => {
    const m = await metricsByCohort(server.app.store, 'default', { kind: 'nps', by: 'product', period: 'month', from: '2026-03-01', to: '2026-03-31' });
    expect(m.periods.map((p) => [p.period, p.business.n])).toEqual([['2026-02', 0], ['2026-03', 28]]);
    expect(m.periods[1]!.groups.find((g) => g.group === 'A')).toMatchObject({ n: 14, score: expect.closeTo(1000 / 14, 9) });
    const byChannel = await metricsByCohort(server.app.store, 'default', { kind: 'nps', by: 'channel', period: 'week', from: '2026-03-02', to: '2026-03-02' });
    expect(byChannel.periods[0]!.groups).toEqual([expect.objectContaining({ group: 'sms', n: 26, flagged: false, rest: { n: 0, score: null, marginOfError: null } })]);
  });

  it('refuses a bad query', async () => {
    await expect(metricsByCohort(server.app.store, 'default', { kind: 'nps', by: 'planet' as 'tag', from: '2026-03-01', to: '2026-03-31' })).rejects.toThrow(ValidationError);
    await expect(metricsByCohort(server.app.store, 'default', { kind: 'nps', by: 'tag', from: '2026-04-01', to: '2026-03-31' })).rejects.toThrow('from: must not be after to');
  });
});

describe('the cohort that moved most beyond its margin', () => {
  const counts = new RollupCounts();
  const add = (cohort: string, week: string, scores: number[], to = counts) => to.addRow({ kind: 'nps', week, cohort, sent: 0, scored: 0, completed: 0, commented: 0, unscored: 0, scores: histogramFromScores(scores) });
  // product:A over the four weeks before: 9,9,9,9,10,10,10,10,7,3 → 70; this week twice 2,3,9,4,5 → −60.
  add('product:A', '2026-02-16', [9, 9, 9, 9, 10]);
  add('product:A', '2026-02-23', [10, 10, 10, 7, 3]);
  add('product:A', '2026-03-09', [2, 3, 9, 4, 5, 2, 3, 9, 4, 5]);
  // tag:x moved less; staff:Bo moved a lot but has only 4 answers this week; a baseline week too old for product:Z.
  add('tag:x', '2026-03-02', [9, 9, 9, 10, 10, 9, 9, 9, 10, 10]);
  add('tag:x', '2026-03-09', [9, 9, 8, 8, 6, 9, 9, 8, 8, 6]);
  add('staff:Bo', '2026-03-02', [10, 10, 10, 10, 10, 10, 10, 10, 10, 10]);
  add('staff:Bo', '2026-03-09', [0, 0, 0, 0]);
  add('product:Z', '2026-02-02', [10, 10, 10, 10, 10, 10, 10, 10, 10, 10]);
  add('product:Z', '2026-03-09', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

  it('compares this week with the four before, every cohort at once, by hand', () => {
    const move = cohortMovedMost(counts, '2026-03-09')!;
    expect(move).toMatchObject({ cohort: 'product:A', kind: 'nps', current: { n: 10, score: expect.closeTo(-60, 9) }, baseline: { n: 10, score: expect.closeTo(70, 9) }, tried: 2 });
    expect(move.delta).toBeCloseTo(-130, 9);
    // SE now 100·sqrt((1 − 0.6²)/10), before 100·sqrt((0.9 − 0.7²)/10) → margin 1.96·hypot = 63.51.
    expect(move.marginOfError).toBeCloseTo(1.96 * Math.hypot(100 * Math.sqrt(0.64 / 10), 100 * Math.sqrt(0.41 / 10)), 9);
    // Pooled 20: 10 promoters, 9 detractors → variance 0.95 − 0.05² = 0.9475, SE 100·sqrt(0.9475·0.2) = 43.53, p(A) = 0.0028.
    // tag:x: 100 → 20; pooled 14 promoters, 2 detractors of 20 → variance 0.8 − 0.6² = 0.44, SE 29.66, p = 0.0070.
    // Two tried (staff:Bo has 4 answers, product:Z no baseline): q(A) = 2·p(A).
    const pA = twoSidedP(-130 / (100 * Math.sqrt(0.9475 * 0.2)));
    expect(move.adjustedP).toBeCloseTo(2 * pA, 12);
    expect(move.adjustedP).toBeCloseTo(0.00564, 4);
  });

  it('names none when nothing moved beyond noise', () => {
    const calm = new RollupCounts();
    add('product:A', '2026-03-02', [9, 9, 7, 3, 10, 9, 9, 7, 3, 10], calm);
    add('product:A', '2026-03-09', [9, 8, 7, 3, 10, 9, 8, 7, 3, 10], calm);
    expect(cohortMovedMost(calm, '2026-03-09')).toBeUndefined();
  });

  it('names none when one cohort of many passes alone but not after the correction', () => {
    // One cohort at p ≈ 0.03 among 10 at p = 1: BH q = 10·0.03 = 0.3.
    const many = new RollupCounts();
    add('product:A', '2026-03-02', Array<number>(12).fill(10), many);
    add('product:A', '2026-03-09', [...Array<number>(8).fill(10), ...Array<number>(4).fill(0)], many);
    for (let i = 0; i < 9; i++) {
      add(`tag:t${i}`, '2026-03-02', Array<number>(10).fill(9), many);
      add(`tag:t${i}`, '2026-03-09', Array<number>(10).fill(9), many);
    }
    // product:A alone: 100 → 33.3; pooled 20 promoters, 4 detractors of 24 → variance 1 − (16/24)² = 0.5556,
    // SE 100·sqrt(0.5556·(1/12 + 1/12)) = 30.43, z = −2.191, p = 0.0285 (< 0.05: the old rule named it).
    const alone = testDifference('nps', many.get('nps', '2026-03-09', 'product:A').histogram, many.sum('nps', ['2026-03-02'], 'product:A').histogram);
    expect(alone.p).toBeCloseTo(0.0285, 3);
    expect(cohortMovedMost(many, '2026-03-09')).toBeUndefined();
  });
});
