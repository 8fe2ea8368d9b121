import { describe, expect, it } from 'vitest';
import * as scoring from '../../src/scoring/index.js';

describe('scoring entry point', () => {
  it('exports the public functions', () => {
    const names = [
      'addHistograms', 'bandOf', 'ces', 'compare', 'csat', 'histogramFromScores', 'histogramTotal',
      'marginOfError', 'meanStandardError', 'median', 'nps', 'npsStandardError', 'proportionStandardError',
      'rates', 'round1', 'scoreRange', 'summarize',
    ];
    for (const name of names) expect(typeof scoring[name as keyof typeof scoring], name).toBe('function');
    expect(scoring.Z95).toBe(1.96);
  });

  it('round-trips raw scores to a displayed NPS', () => {
    // 9,10,10,7,3 → 3 pro, 1 pas, 1 det → 60 − 20 = 40
    const h = scoring.histogramFromScores([9, 10, 10, 7, 3]);
    expect(scoring.round1(scoring.summarize('nps', h).score)).toBe(40);
  });
});
