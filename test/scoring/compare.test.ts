import { describe, expect, it } from 'vitest';
import { compare } from '../../src/scoring/compare.js';

describe('compare', () => {
  it('NPS 0 → 50 over 100 responses each is significant', () => {
    // current: 60 pro, 30 pas, 10 det → NPS 50; var = (0.6 + 0.1 − 0.5²)/100 = 0.0045
    // previous: 30 pro, 40 pas, 30 det → NPS 0; var = (0.3 + 0.3 − 0²)/100 = 0.006
    // SE = sqrt(0.0045 + 0.006) · 100 = sqrt(0.0105) · 100 ≈ 10.2470
    // 1.96 · SE ≈ 20.084 < 50 → significant; z = 50 / 10.2470 ≈ 4.8795
    const r = compare('nps', { 10: 60, 8: 30, 2: 10 }, { 9: 30, 7: 40, 0: 30 });
    expect(r.current.score).toBeCloseTo(50, 10);
    expect(r.previous.score).toBeCloseTo(0, 10);
    expect(r.delta).toBeCloseTo(50, 10);
    expect(r.marginOfError).toBeCloseTo(20.084, 3);
    expect(r.z).toBeCloseTo(4.8795, 4);
    expect(r.significant).toBe(true);
  });

  it('NPS 10 → 30 over 10 responses each is not significant', () => {
    // current: 5 pro, 3 pas, 2 det → 30; var = (0.5 + 0.2 − 0.09)/10 = 0.061
    // previous: 4 pro, 3 pas, 3 det → 10; var = (0.4 + 0.3 − 0.01)/10 = 0.069
    // SE = sqrt(0.13) · 100 ≈ 36.0555; 1.96 · SE ≈ 70.669 > 20 → not significant; z ≈ 0.5547
    const r = compare('nps', { 9: 5, 7: 3, 0: 2 }, { 10: 4, 8: 3, 6: 3 });
    expect(r.delta).toBeCloseTo(20, 10);
    expect(r.marginOfError).toBeCloseTo(70.669, 3);
    expect(r.z).toBeCloseTo(0.5547, 4);
    expect(r.significant).toBe(false);
  });

  it('CSAT 50 % → 80 % over 100 responses each is significant', () => {
    // SE = sqrt(0.8 · 0.2/100 + 0.5 · 0.5/100) · 100 = sqrt(0.0041) · 100 ≈ 6.4031
    // z = 30 / 6.4031 ≈ 4.6852; 1.96 · SE ≈ 12.550
    const r = compare('csat', { 5: 80, 1: 20 }, { 4: 50, 2: 50 });
    expect(r.delta).toBeCloseTo(30, 10);
    expect(r.marginOfError).toBeCloseTo(12.55, 2);
    expect(r.z).toBeCloseTo(4.6852, 4);
    expect(r.significant).toBe(true);
  });

  it('CES compares the % easy, not the mean', () => {
    // current: 5,5,1,1 → mean 3, 50 % easy; previous: 7,7,3,3 → mean 5, 50 % easy
    // delta = 0; each SE = sqrt(0.25/4) · 100 = 25 → SE = 25·sqrt(2) ≈ 35.355; MoE ≈ 69.296
    const r = compare('ces', { 5: 2, 1: 2 }, { 7: 2, 3: 2 });
    expect(r.current.mean).toBeCloseTo(3, 10);
    expect(r.previous.mean).toBeCloseTo(5, 10);
    expect(r.delta).toBe(0);
    expect(r.marginOfError).toBeCloseTo(69.296, 3);
    expect(r.z).toBe(0);
    expect(r.significant).toBe(false);
  });

  it.each([
    ['current', {}, { 9: 3 }],
    ['previous', { 9: 3 }, {}],
    ['both', {}, {}],
  ])('no delta when the %s period is empty', (_side, current, previous) => {
    const r = compare('nps', current, previous);
    expect(r.delta).toBeNull();
    expect(r.marginOfError).toBeNull();
    expect(r.z).toBeNull();
    expect(r.significant).toBe(false);
  });

  it('unanimous periods have SE 0: any change is significant, z is null', () => {
    // all promoters vs all detractors: both variances 0 → SE 0, |200| > 0
    const r = compare('nps', { 10: 1 }, { 0: 1 });
    expect(r.delta).toBeCloseTo(200, 10);
    expect(r.marginOfError).toBe(0);
    expect(r.z).toBeNull();
    expect(r.significant).toBe(true);
  });

  it('rejects an out-of-range score on either side', () => {
    expect(() => compare('csat', { 5: 1 }, { 9: 1 })).toThrow(RangeError);
    expect(() => compare('ces', { 8: 1 }, { 5: 1 })).toThrow(RangeError);
  });
});
