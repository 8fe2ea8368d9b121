import { describe, expect, it } from 'vitest';
import { median, rates } from '../../src/scoring/rates.js';

describe('rates', () => {
  it('200 sent, 50 started, 40 completed', () => {
    // response 50/200 = 0.25; completion 40/200 = 0.2; abandonment (50 − 40)/50 = 0.2
    const r = rates({ sent: 200, started: 50, completed: 40 });
    expect(r.responseRate).toBeCloseTo(0.25, 10);
    expect(r.completionRate).toBeCloseTo(0.2, 10);
    expect(r.abandonmentRate).toBeCloseTo(0.2, 10);
  });

  it('nothing sent: every rate null', () => {
    expect(rates({ sent: 0, started: 0, completed: 0 })).toEqual({
      responseRate: null,
      completionRate: null,
      abandonmentRate: null,
    });
  });

  it('sent but never started: rates 0, abandonment null', () => {
    expect(rates({ sent: 10, started: 0, completed: 0 })).toEqual({
      responseRate: 0,
      completionRate: 0,
      abandonmentRate: null,
    });
  });

  it.each([
    ['completed > started', { sent: 10, started: 3, completed: 4 }],
    ['started > sent', { sent: 2, started: 3, completed: 0 }],
    ['a negative count', { sent: -1, started: 0, completed: 0 }],
    ['a fractional count', { sent: 1.5, started: 0, completed: 0 }],
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
