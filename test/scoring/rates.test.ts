import { describe, expect, it } from 'vitest';
import { median, rates } from '../../src/scoring/rates.js';

describe('rates', () => {
  it('200 sent, 50 scored, 40 completed, 120 ended without a score (30 still waiting)', () => {
    // response 50/200 = 0.25; completion 40/200 = 0.2; abandonment 120/200 = 0.6
    const r = rates({ sent: 200, scored: 50, completed: 40, endedUnscored: 120 });
    expect(r.responseRate).toBeCloseTo(0.25, 10);
    expect(r.completionRate).toBeCloseTo(0.2, 10);
    expect(r.abandonmentRate).toBeCloseTo(0.6, 10);
  });

  it('a scored survey that never completes (opted out at the comment) is not abandoned', () => {
    expect(rates({ sent: 4, scored: 4, completed: 3, endedUnscored: 0 }).abandonmentRate).toBe(0);
  });

  it('nothing sent: every rate null', () => {
    expect(rates({ sent: 0, scored: 0, completed: 0, endedUnscored: 0 })).toEqual({
      responseRate: null,
      completionRate: null,
      abandonmentRate: null,
    });
  });

  it('sent, none scored, all ended: abandonment 100 %', () => {
    expect(rates({ sent: 10, scored: 0, completed: 0, endedUnscored: 10 })).toEqual({
      responseRate: 0,
      completionRate: 0,
      abandonmentRate: 1,
    });
  });

  it.each([
    ['completed > scored', { sent: 10, scored: 3, completed: 4, endedUnscored: 0 }],
    ['scored > sent', { sent: 2, scored: 3, completed: 0, endedUnscored: 0 }],
    ['scored + ended without a score > sent', { sent: 5, scored: 3, completed: 0, endedUnscored: 3 }],
    ['a negative count', { sent: -1, scored: 0, completed: 0, endedUnscored: 0 }],
    ['a fractional count', { sent: 1.5, scored: 0, completed: 0, endedUnscored: 0 }],
  ])('rejects %s', (_label, counts) => {
    expect(() => rates(counts)).toThrow(RangeError);
  });
});

describe('median', () => {
  it.each([
    ['odd count', [30, 10, 20], 20],
    ['even count: mean of the middle two', [40, 10, 30, 20], 25],
    ['one value', [7], 7],
    ['sorts numerically, not as text', [10, 9, 1], 9],
  ])('%s', (_label, values, expected) => {
    expect(median(values)).toBeCloseTo(expected, 10);
  });

  it('of nothing is null', () => {
    expect(median([])).toBeNull();
  });

  it('leaves the input unsorted', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it('rejects NaN and Infinity', () => {
    expect(() => median([1, Number.NaN])).toThrow(RangeError);
    expect(() => median([1, Number.POSITIVE_INFINITY])).toThrow(RangeError);
  });
});
