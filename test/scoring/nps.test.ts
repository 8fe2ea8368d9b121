import { describe, expect, it } from 'vitest';
import { nps } from '../../src/scoring/nps.js';

describe('nps', () => {
  it('10 responses: 5 promoters, 3 passives, 2 detractors', () => {
    // NPS = 50 % − 20 % = 30
    // var = (0.5 + 0.2 − (0.5 − 0.2)²)/10 = (0.7 − 0.09)/10 = 0.061
    // MoE = 1.96 · sqrt(0.061) · 100 = 1.96 · 0.246982 · 100 ≈ 48.408
    const r = nps({ 0: 1, 6: 1, 7: 1, 8: 2, 9: 2, 10: 3 });
    expect(r).toMatchObject({ kind: 'nps', n: 10, promoters: 5, passives: 3, detractors: 2 });
    expect(r.score).toBeCloseTo(30, 10);
    expect(r.marginOfError).toBeCloseTo(48.408, 3);
  });

  it('20 responses: 8 promoters, 6 passives, 6 detractors', () => {
    // NPS = 40 % − 30 % = 10
    // var = (0.4 + 0.3 − 0.1²)/20 = 0.69/20 = 0.0345; MoE = 1.96 · 0.185742 · 100 ≈ 36.405
    const r = nps({ 3: 6, 7: 6, 10: 8 });
    expect(r.score).toBeCloseTo(10, 10);
    expect(r.marginOfError).toBeCloseTo(36.405, 3);
  });

  it('all promoters: 100 with no margin', () => {
    // var = (1 + 0 − 1²)/4 = 0
    const r = nps({ 9: 1, 10: 3 });
    expect(r.score).toBeCloseTo(100, 10);
    expect(r.marginOfError).toBe(0);
  });

  it('all detractors: −100', () => {
    const r = nps({ 0: 2, 5: 1 });
    expect(r.score).toBeCloseTo(-100, 10);
    expect(r.marginOfError).toBe(0);
  });

  it('all passives: 0 with no margin', () => {
    // var = (0 + 0 − 0)/n = 0: every response contributes 0
    const r = nps({ 7: 2, 8: 2 });
    expect(r.score).toBe(0);
    expect(r.marginOfError).toBe(0);
  });

  it('empty histogram: null score and margin, not NaN', () => {
    expect(nps({})).toEqual({
      kind: 'nps',
      n: 0,
      promoters: 0,
      passives: 0,
      detractors: 0,
      score: null,
      marginOfError: null,
    });
    expect(nps({ 9: 0 }).score).toBeNull();
  });

  it('rejects scores outside 0-10', () => {
    expect(() => nps({ 10: 1, 11: 1 })).toThrow(RangeError);
    expect(() => nps({ [-1]: 1 })).toThrow(RangeError);
  });
});
