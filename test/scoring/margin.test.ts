import { describe, expect, it } from 'vitest';
import {
  marginOfError,
  meanStandardError,
  npsStandardError,
  proportionStandardError,
  round1,
} from '../../src/scoring/margin.js';

describe('standard errors', () => {
  it('of a proportion', () => {
    // sqrt(0.5·0.5/100) = sqrt(0.0025) = 0.05
    expect(proportionStandardError(0.5, 100)).toBeCloseTo(0.05, 10);
    expect(proportionStandardError(1, 7)).toBe(0);
  });

  it('of NPS (trinomial)', () => {
    // p_pro 0.5, p_det 0.2, n 10: (0.5 + 0.2 − 0.3²)/10 = 0.061 → sqrt = 0.246981...
    expect(npsStandardError(0.5, 0.2, 10)).toBeCloseTo(Math.sqrt(0.061), 12);
    expect(npsStandardError(0.5, 0.2, 10)).toBeCloseTo(0.246982, 6);
    // all promoters: (1 + 0 − 1)/n = 0
    expect(npsStandardError(1, 0, 4)).toBe(0);
  });

  it('of a mean', () => {
    // 2 / sqrt(16) = 0.5
    expect(meanStandardError(2, 16)).toBeCloseTo(0.5, 12);
  });

  it('refuses a zero sample', () => {
    expect(() => proportionStandardError(0, 0)).toThrow(RangeError);
    expect(() => npsStandardError(0, 0, 0)).toThrow(RangeError);
    expect(() => meanStandardError(0, 0)).toThrow(RangeError);
  });

  it('turns a standard error into a 95 % margin', () => {
    // 1.96 · 0.05 = 0.098
    expect(marginOfError(0.05)).toBeCloseTo(0.098, 12);
  });
});

describe('round1', () => {
  it.each([
    [48.4084, 48.4],
    [48.45, 48.5],
    [-48.45, -48.5],
    [1.05, 1.1],
    [100, 100],
    [-0.04, 0],
  ])('%d → %d', (x, rounded) => {
    expect(round1(x)).toBe(rounded);
  });

  it('shows no negative zero', () => {
    expect(Object.is(round1(-0.04), 0)).toBe(true);
  });

  it('passes null through', () => {
    expect(round1(null)).toBeNull();
  });
});
