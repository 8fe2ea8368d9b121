import { describe, expect, it } from 'vitest';
import {
  addHistograms,
  bandCounts,
  bandOf,
  histogramFromScores,
  histogramTotal,
  meanScore,
  scoreRange,
} from '../../src/scoring/histogram.js';

describe('bandOf', () => {
  it.each([
    ['nps', 0, 'detractor'],
    ['nps', 6, 'detractor'],
    ['nps', 7, 'passive'],
    ['nps', 8, 'passive'],
    ['nps', 9, 'promoter'],
    ['nps', 10, 'promoter'],
    ['csat', 1, 'detractor'],
    ['csat', 2, 'detractor'],
    ['csat', 3, 'passive'],
    ['csat', 4, 'promoter'],
    ['csat', 5, 'promoter'],
    ['ces', 1, 'detractor'],
    ['ces', 3, 'detractor'],
    ['ces', 4, 'passive'],
    ['ces', 5, 'promoter'],
    ['ces', 7, 'promoter'],
  ] as const)('%s score %i is a %s', (kind, score, band) => {
    expect(bandOf(kind, score)).toBe(band);
  });

  it.each([
    ['nps', -1],
    ['nps', 11],
    ['nps', 7.5],
    ['csat', 0],
    ['csat', 6],
    ['ces', 0],
    ['ces', 8],
    ['ces', Number.NaN],
  ] as const)('rejects %s score %s', (kind, score) => {
    expect(() => bandOf(kind, score)).toThrow(RangeError);
  });
});

describe('scoreRange', () => {
  it.each([
    ['nps', 0, 10],
    ['csat', 1, 5],
    ['ces', 1, 7],
  ] as const)('%s runs %i-%i', (kind, min, max) => {
    expect(scoreRange(kind)).toEqual({ min, max });
  });

  it('returns a copy the caller cannot use to widen the range', () => {
    const r = scoreRange('csat');
    r.max = 10;
    expect(scoreRange('csat').max).toBe(5);
  });
});

describe('histogram helpers', () => {
  it('counts scores', () => {
    expect(histogramFromScores([9, 10, 9, 0])).toEqual({ 0: 1, 9: 2, 10: 1 });
    expect(histogramFromScores([])).toEqual({});
  });

  it('rejects non-integer scores', () => {
    expect(() => histogramFromScores([9, 8.5])).toThrow(RangeError);
  });

  it('adds histograms score by score', () => {
    expect(addHistograms({ 1: 2, 5: 1 }, { 5: 3, 4: 1 })).toEqual({ 1: 2, 4: 1, 5: 4 });
    expect(addHistograms({}, {})).toEqual({});
  });

  it('totals the counts', () => {
    expect(histogramTotal({ 0: 1, 9: 2, 10: 4 })).toBe(7);
    expect(histogramTotal({})).toBe(0);
  });

  it.each([
    ['negative', { 5: -1 }],
    ['fractional', { 5: 1.5 }],
    ['NaN', { 5: Number.NaN }],
  ])('rejects a %s count', (_label, h) => {
    expect(() => histogramTotal(h)).toThrow(RangeError);
    expect(() => addHistograms(h, {})).toThrow(RangeError);
  });
});

describe('bandCounts', () => {
  it('groups counts into bands', () => {
    // NPS: 0,6 → detractor (1+2); 7,8 → passive (3+0); 9,10 → promoter (1+4)
    expect(bandCounts('nps', { 0: 1, 6: 2, 7: 3, 8: 0, 9: 1, 10: 4 })).toEqual({
      detractor: 3,
      passive: 3,
      promoter: 5,
    });
  });

  it('rejects a score outside the range, even with a zero count', () => {
    expect(() => bandCounts('csat', { 5: 3, 6: 1 })).toThrow(RangeError);
    expect(() => bandCounts('csat', { 5: 3, 0: 0 })).toThrow(/csat score 0/);
  });
});

describe('meanScore', () => {
  it.each([
    ['nps', {}, null],
    ['nps', { 10: 1, 0: 1 }, 5],
    ['nps', { 9: 3, 6: 1 }, 8.25],
    ['csat', { 5: 2, 4: 1, 1: 1 }, 3.75],
    ['ces', { 7: 1 }, 7],
  ] as const)('%s %o → %s', (kind, h, mean) => {
    expect(meanScore(kind, h)).toBe(mean);
  });

  it('refuses a score off the kind\'s scale', () => {
    expect(() => meanScore('csat', { 9: 1 })).toThrow(RangeError);
  });
});
