import { describe, expect, it } from 'vitest';
import { ces } from '../../src/scoring/ces.js';

describe('ces', () => {
  it('scores 7, 6, 5, 5, 4, 2', () => {
    // n = 6, Σx = 29, mean = 29/6 ≈ 4.8333
    // Σx² = 49 + 36 + 25 + 25 + 16 + 4 = 155; Σ(x − mean)² = 155 − 29²/6 = 14.8333
    // s² = 14.8333/5 = 2.96667, s ≈ 1.72240; mean MoE = 1.96 · 1.72240/sqrt(6) ≈ 1.37821
    // easy (5-7) = 4 → 66.667 %; MoE = 1.96 · sqrt((2/3)(1/3)/6) · 100 ≈ 37.720
    const r = ces({ 2: 1, 4: 1, 5: 2, 6: 1, 7: 1 });
    expect(r).toMatchObject({ kind: 'ces', n: 6, easy: 4 });
    expect(r.mean).toBeCloseTo(4.83333, 5);
    expect(r.meanMarginOfError).toBeCloseTo(1.37821, 5);
    expect(r.score).toBeCloseTo(66.667, 3);
    expect(r.marginOfError).toBeCloseTo(37.72, 2);
  });

  it('identical scores: no spread, so both margins are 0', () => {
    const r = ces({ 6: 3 });
    expect(r.mean).toBeCloseTo(6, 10);
    expect(r.meanMarginOfError).toBe(0);
    expect(r.score).toBeCloseTo(100, 10);
    expect(r.marginOfError).toBe(0);
  });

  it('one response: mean margin is null (n − 1 = 0), proportion margin is 0', () => {
    const r = ces({ 3: 1 });
    expect(r.mean).toBe(3);
    expect(r.meanMarginOfError).toBeNull();
    expect(r.score).toBe(0);
    expect(r.marginOfError).toBe(0);
  });

  it('empty histogram: everything null', () => {
    expect(ces({})).toEqual({
      kind: 'ces',
      n: 0,
      mean: null,
      meanMarginOfError: null,
      easy: 0,
      score: null,
      marginOfError: null,
    });
  });

  it('rejects scores outside 1-7', () => {
    expect(() => ces({ 0: 1, 4: 2 })).toThrow(RangeError);
    expect(() => ces({ 8: 1 })).toThrow(RangeError);
  });
});
