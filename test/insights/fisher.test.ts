import { describe, expect, it } from 'vitest';
import { fisherGreater } from '../../src/insights/fisher.js';

describe("Fisher's exact test, one-sided (greater)", () => {
  it.each([
    // Fisher's tea tasting: 3 of 4 cups right. (C(4,3)·C(4,1) + C(4,4)·C(4,0)) / C(8,4) = 17/70.
    { table: [3, 1, 1, 3], p: 17 / 70 },
    // A perfect split of 20: one table of C(20,10) is as extreme.
    { table: [10, 0, 0, 10], p: 1 / 184_756 },
    { table: [2, 0, 0, 2], p: 1 / 6 },
    // Nothing in group 1 has it: every table is as extreme.
    { table: [0, 5, 5, 0], p: 1 },
    // R's `Convictions` example (fisher.test(..., alternative = "less") p = 0.0004652), rows swapped to the upper tail.
    { table: [15, 2, 3, 10], p: 0.0004652 },
  ])('$table → $p', ({ table, p }) => {
    const [a, b, c, d] = table as [number, number, number, number];
    expect(fisherGreater(a, b, c, d)).toBeCloseTo(p, 7);
  });

  it('adds up with the lower tail to 1 plus the point probability', () => {
    // P(X ≥ 3) + P(X ≤ 3) = 1 + P(X = 3); P(X ≤ 3) for [3,1,1,3] is P(X ≥ 1) of the mirrored table [1,3,3,1].
    const point = (4 * 4) / 70;
    expect(fisherGreater(3, 1, 1, 3) + fisherGreater(1, 3, 3, 1)).toBeCloseTo(1 + point, 12);
  });

  it('refuses counts that are not counts', () => {
    expect(() => fisherGreater(-1, 1, 1, 1)).toThrow(RangeError);
    expect(() => fisherGreater(1.5, 1, 1, 1)).toThrow(RangeError);
  });
});
