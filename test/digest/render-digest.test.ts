import { describe, expect, it } from 'vitest';
import type { KindDigest, WeeklyDigest } from '../../src/digest/build-digest.js';
import { renderDigest } from '../../src/digest/render-digest.js';
import { compare, histogramFromScores } from '../../src/scoring/index.js';

const noRates = { responseRate: 0, completionRate: 0, abandonmentRate: 0 };
const kind = (k: KindDigest['kind'], now: number[], before: number[], sent = now.length): KindDigest => ({
  kind: k,
  comparison: compare(k, histogramFromScores(now), histogramFromScores(before)),
  sent,
  responses: now.length,
  rates: noRates,
});
const digest = (kinds: KindDigest[]): WeeklyDigest => ({ periodStart: '2026-03-09', previousStart: '2026-03-02', kinds, lowest: [], highest: [], unanswered: { count: 0, surveys: [] }, insights: {} as WeeklyDigest['insights'] });
const headlines = (d: WeeklyDigest) => renderDigest(d).split('\n').slice(1, -1).filter((l) => !l.startsWith(' '));

describe('the digest headline of each kind', () => {
  it('shows the margin of error, and the CES mean, as /stats does', () => {
    // CES 7, 6, 2, 5: 3 of 4 easy = 75 %, mean 5; last week 1, 2: 0 % easy.
    const [line] = headlines(digest([kind('ces', [7, 6, 2, 5], [1, 2])]));
    expect(line).toMatch(/^CES 75% easy ±\d+(\.\d)? \(n=4, mean 5\/7\): \+75 pts vs last week \(CES 0% easy; /);
  });

  it('says plainly when neither week, or one of them, had a response', () => {
    expect(headlines(digest([kind('csat', [], [], 3)]))[0]).toBe('CSAT: no responses this week or last week');
    expect(headlines(digest([kind('csat', [], [5, 4])]))[0]).toBe('CSAT: no responses this week (last week CSAT 100% ±0 (n=2))');
    expect(headlines(digest([kind('nps', [10], [])]))[0]).toBe('NPS +100 ±0 (n=1): no responses last week');
  });
});
