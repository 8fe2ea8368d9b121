import { describe, expect, it } from 'vitest';
import { csat } from '../../src/scoring/csat.js';

describe('csat', () => {
  it('8 responses, 6 of them 4-5', () => {
    // satisfied = 3 (fives) + 3 (fours) = 6; the 3 and the 1 are not; p = 6/8 = 0.75 → 75 %
    // MoE = 1.96 · sqrt(0.75 · 0.25 / 8) · 100 = 1.96 · sqrt(0.0234375) · 100 ≈ 30.006
    const r = csat({ 1: 1, 3: 1, 4: 3, 5: 3 });
    expect(r).toMatchObject({ kind: 'csat', n: 8, satisfied: 6 });
    expect(r.score).toBeCloseTo(75, 10);
    expect(r.marginOfError).toBeCloseTo(30.006, 3);
  });

  it('a neutral 3 is not satisfied', () => {
    // p = 1/2 → 50 %; MoE = 1.96 · sqrt(0.25/2) · 100 ≈ 69.296
    const r = csat({ 3: 1, 4: 1 });
    expect(r.score).toBeCloseTo(50, 10);
    expect(r.marginOfError).toBeCloseTo(69.296, 3);
  });

  it('all satisfied: 100 with no margin', () => {
    const r = csat({ 4: 2, 5: 5 });
    expect(r.score).toBeCloseTo(100, 10);
    expect(r.marginOfError).toBe(0);
  });

  it('empty histogram: null score and margin', () => {
    expect(csat({})).toEqual({ kind: 'csat', n: 0, satisfied: 0, score: null, marginOfError: null });
  });

  it('rejects scores outside 1-5 (an NPS 0 or 9 slipping in)', () => {
    expect(() => csat({ 0: 1, 5: 1 })).toThrow(RangeError);
    expect(() => csat({ 9: 1 })).toThrow(RangeError);
  });
});
