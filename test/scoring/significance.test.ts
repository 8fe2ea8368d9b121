import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adjustFamily, benjaminiHochberg, normalUpperTail, scoreCounts, scoreRange, significanceRule, testCounts, testDifference, twoSidedP } from '../../src/scoring/index.js';
import { surveyKinds } from '../../src/domain/surveys.js';

describe('normalUpperTail', () => {
  // Values of the standard normal table.
  it.each([
    [0, 0.5],
    [1, 0.158655],
    [1.959964, 0.025],
    [3, 0.0013499],
    [-1.644854, 0.95],
  ])('P(Z > %d) = %d', (z, p) => expect(normalUpperTail(z)).toBeCloseTo(p, 6));
  it('two-sided p of z = 1.96 is 0.05', () => expect(twoSidedP(-1.959964)).toBeCloseTo(0.05, 6));
});

describe('benjaminiHochberg', () => {
  it('adjusts in the order given: m·p/rank, then the running minimum from the largest p down', () => {
    // Sorted 0.01, 0.03, 0.04, 0.5 → 4·0.01/1 = 0.04, 4·0.03/2 = 0.06, 4·0.04/3 = 0.0533, 4·0.5/4 = 0.5;
    // the running minimum from the top lowers 0.06 to 0.0533.
    const q = benjaminiHochberg([0.01, 0.04, 0.03, 0.5]);
    expect(q.map((x) => Number(x.toFixed(4)))).toEqual([0.04, 0.0533, 0.0533, 0.5]);
  });
  it('never goes above 1, and one test is its own p', () => {
    expect(benjaminiHochberg([0.9, 0.95])).toEqual([0.95, 0.95]);
    expect(benjaminiHochberg([0.02])).toEqual([0.02]);
    expect(benjaminiHochberg([])).toEqual([]);
  });
});

describe('testDifference', () => {
  it('CSAT 8 of 10 against 4 of 10: the margin (39.2) is under the difference (40), yet the pooled test says p = 0.068', () => {
    const t = testDifference('csat', { 5: 8, 2: 2 }, { 5: 4, 1: 6 });
    expect(t.delta).toBeCloseTo(40, 10);
    // 1.96·100·sqrt(0.8·0.2/10 + 0.4·0.6/10) = 1.96·100·0.2 = 39.2
    expect(t.marginOfError).toBeCloseTo(39.2, 10);
    // pooled 12/20 = 0.6: SE = 100·sqrt(0.24·(1/10 + 1/10)) = 21.909, z = 1.8257, p = 2·0.03395
    expect(t.p).toBeCloseTo(0.0679, 4);
    expect(t.enough).toBe(true);
  });
  it('a unanimous side is not a proof: CSAT 10 of 10 against 7 of 10 gives p = 0.060', () => {
    // pooled 17/20 = 0.85: SE = 100·sqrt(0.1275·0.2) = 15.969, z = 30/15.969 = 1.8786
    expect(testDifference('csat', { 5: 10 }, { 5: 7, 1: 3 }).p).toBeCloseTo(0.0603, 4);
  });
  it('NPS −80 against +80 (20 each): difference −160 ±37.2, p far below 0.001', () => {
    const t = testDifference('nps', { 10: 2, 0: 18 }, { 10: 18, 0: 2 });
    expect(t.delta).toBeCloseTo(-160, 10);
    // unpooled variances 0.1 + 0.9 − 0.8² = 0.36 each: 1.96·100·sqrt(0.036) = 37.19
    expect(t.marginOfError).toBeCloseTo(37.19, 2);
    // pooled: 20 promoters, 20 detractors of 40 → variance 1: SE = 100·sqrt(0.1) = 31.62, z = −5.06
    expect(t.p).toBeCloseTo(twoSidedP(-160 / Math.sqrt(1000)), 12);
    expect(t.p!).toBeLessThan(1e-6);
  });
  it(`needs ${significanceRule.minPerSide} answers a side, and no answers gives no test`, () => {
    expect(testDifference('nps', { 10: 9 }, { 0: 30 }).enough).toBe(false);
    expect(testDifference('nps', {}, { 0: 30 })).toMatchObject({ delta: null, p: null, enough: false });
  });
  it('two identical unanimous sides: difference 0, p = 1', () => {
    expect(testDifference('ces', { 7: 12 }, { 6: 15 })).toMatchObject({ delta: 0, p: 1 });
  });
});

describe('testCounts (the test on score counts the segments report runs)', () => {
  const histogram = (min: number, max: number) => fc.dictionary(fc.integer({ min, max }).map(String), fc.nat({ max: 60 }), { maxKeys: max - min + 1 });
  it.each(surveyKinds)('%s: gives testDifference\'s scores, difference, margin, p and verdict, for any two histograms', (kind) => {
    const { min, max } = scoreRange(kind);
    fc.assert(
      fc.property(histogram(min, max), histogram(min, max), (a, b) => {
        const whole = testDifference(kind, a, b);
        const counted = testCounts(kind, scoreCounts(kind, a), scoreCounts(kind, b));
        expect(counted).toEqual({ a: { n: whole.a.n, score: whole.a.score }, b: { n: whole.b.n, score: whole.b.score }, delta: whole.delta, marginOfError: whole.marginOfError, p: whole.p, enough: whole.enough });
      }),
      { seed: 29, numRuns: 300 },
    );
  });
  it('counts a histogram\'s scores by band and refuses a score off the kind\'s scale', () => {
    expect(scoreCounts('nps', { 0: 3, 6: 2, 7: 4, 8: 1, 9: 5, 10: 6 })).toEqual({ n: 21, promoter: 11, detractor: 5 });
    expect(scoreCounts('csat', { 1: 2, 3: 1, 4: 3, 5: 4 })).toEqual({ n: 10, promoter: 7, detractor: 2 });
    expect(() => scoreCounts('csat', { 6: 1 })).toThrow(RangeError);
    expect(() => scoreCounts('nps', { 2.5: 1 } as never)).toThrow(RangeError);
  });
});

describe('adjustFamily', () => {
  it('adjusts only the tests with enough answers, and flags those below 0.05', () => {
    const out = adjustFamily([
      { name: 'a', p: 0.01, enough: true },
      { name: 'b', p: 0.001, enough: false },
      { name: 'c', p: 0.03, enough: true },
      { name: 'd', p: null, enough: false },
    ]);
    // Two tried: 0.01 → 2·0.01/1 = 0.02; 0.03 → 2·0.03/2 = 0.03.
    expect(out.map((t) => [t.name, t.adjustedP === null ? null : Number(t.adjustedP.toFixed(4)), t.flagged])).toEqual([
      ['a', 0.02, true],
      ['b', null, false],
      ['c', 0.03, true],
      ['d', null, false],
    ]);
  });
});
