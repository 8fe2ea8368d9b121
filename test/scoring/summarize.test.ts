import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/scoring/summarize.js';

describe('summarize', () => {
  // The same histogram read as each kind: 2 × score 3, 1 × score 5.
  const h = { 3: 2, 5: 1 };

  it('dispatches NPS: 3 is a detractor, 5 too', () => {
    const r = summarize('nps', h);
    expect(r.kind).toBe('nps');
    expect(r.detractors).toBe(3);
    expect(r.score).toBeCloseTo(-100, 10);
  });

  it('dispatches CSAT: 5 is satisfied, 3 is not → 33.3 %', () => {
    const r = summarize('csat', h);
    expect(r.kind).toBe('csat');
    expect(r.satisfied).toBe(1);
    expect(r.score).toBeCloseTo(33.333, 3);
  });

  it('dispatches CES: mean (3 + 3 + 5)/3 = 3.667, 5 is easy → 33.3 %', () => {
    const r = summarize('ces', h);
    expect(r.kind).toBe('ces');
    expect(r.mean).toBeCloseTo(3.667, 3);
    expect(r.easy).toBe(1);
  });
});
