import { describe, expect, it } from 'vitest';
import { describeFeature } from '../../src/insights/event-features.js';
import { describeSegment, segmentsReport } from '../../src/insights/segments.js';
import { twoSidedP } from '../../src/scoring/index.js';
import type { SegmentAnswer } from '../../src/store/index.js';

const answer = (score: number, location: string, precededBy: string[] = []): SegmentAnswer => ({ kind: 'nps', score, tags: [], context: { location }, precededBy });

describe('segments report', () => {
  it('finds the combination of a place and an event detail, with both sides counted, by hand', () => {
    const slow = ['support_ticket', 'support_ticket.minutesToResolution=2880+'];
    const answers = [
      ...Array.from({ length: 10 }, () => answer(0, 'Leeds', slow)), // the cause: Leeds after a slow ticket
      ...Array.from({ length: 10 }, () => answer(10, 'Leeds')),
      ...Array.from({ length: 10 }, () => answer(10, 'York', slow)),
      ...Array.from({ length: 10 }, () => answer(10, 'York')),
    ];
    const report = segmentsReport(answers);
    const top = report[0]!;
    expect([top.cohort, top.feature, top.n, top.score, top.restN, top.restScore, top.effect, top.flagged]).toEqual(['location:Leeds', 'support_ticket.minutesToResolution=2880+', 10, -100, 30, 100, -200, true]);
    // Margin: both sides unanimous, 0. Pooled 30 promoters, 10 detractors of 40: variance 1 − 0.5² = 0.75,
    // SE 100·sqrt(0.75·(1/10 + 1/30)) = 31.62, z = −6.32.
    expect(top.margin).toBe(0);
    expect(top.p).toBeCloseTo(twoSidedP(-200 / (100 * Math.sqrt(0.75 * (1 / 10 + 1 / 30)))), 12);
    // Tried: Leeds (0 against York's +100: −100), the slow ticket (0 against +100: −100), York (+100 against 0: +100,
    // not a fall) and the Leeds combination; the York one is all promoters like York without it, so it is not kept.
    expect(report.map((s) => describeSegment(s, describeFeature))).toEqual([
      'location Leeds after a support ticket resolved after more than 48 h',
      'after a support ticket resolved after more than 48 h',
      'location Leeds',
      'location York',
    ]);
    // Benjamini–Hochberg over the 4: the combination's q = 4·p / 1 at most.
    expect(top.adjustedP).toBeLessThanOrEqual(4 * top.p);
    expect(report.filter((s) => s.flagged).map((s) => s.effect)).toEqual([-200, -100, -100]);
  });

  it('names nothing where nothing differs, and tries nothing under 10 answers a side', () => {
    const calm = Array.from({ length: 40 }, (_, i) => answer(i % 2 ? 9 : 3, i % 4 < 2 ? 'Leeds' : 'York', i % 3 ? ['delivery.onTime=true'] : []));
    expect(segmentsReport(calm).filter((s) => s.flagged)).toEqual([]);
    expect(segmentsReport(calm.slice(0, 15))).toEqual([]);
  });
});
