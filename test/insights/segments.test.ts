import { describe, expect, it } from 'vitest';
import { describeFeature } from '../../src/insights/event-features.js';
import { describeSegment, segmentsReport } from '../../src/insights/segments.js';
import { insightAlpha, significanceRule, twoSidedP } from '../../src/scoring/index.js';
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

  it('gives every figure of a segment by hand, and flags only below the share of α every surface uses', () => {
    const scores = (promoters: number, passives: number, detractors: number, location: string) => [
      ...Array.from({ length: promoters }, () => answer(10, location)),
      ...Array.from({ length: passives }, () => answer(8, location)),
      ...Array.from({ length: detractors }, () => answer(0, location)),
    ];
    // Leeds: 8 promoters, 10 passives, 2 detractors → NPS +30; York: 16, 3, 1 → +75.
    const report = segmentsReport([...scores(8, 10, 2, 'Leeds'), ...scores(16, 3, 1, 'York')]);
    const leeds = report.find((s) => s.cohort === 'location:Leeds')!;
    expect([leeds.n, leeds.restN]).toEqual([20, 20]);
    expect([leeds.score, leeds.restScore, leeds.effect]).toEqual([expect.closeTo(30, 9), expect.closeTo(75, 9), expect.closeTo(-45, 9)]);
    // Margin: 1.96·100·sqrt(v/20 + v'/20), v = 0.4 + 0.1 − 0.3² = 0.41, v' = 0.8 + 0.05 − 0.75² = 0.2875.
    expect(leeds.margin).toBeCloseTo(1.96 * 100 * Math.sqrt(0.41 / 20 + 0.2875 / 20), 9);
    expect(leeds.margin).toBeCloseTo(36.6, 1);
    // Pooled: 24 promoters, 3 detractors of 40 → v = 0.675 − 0.525² = 0.399375; SE = 100·sqrt(v·(1/20 + 1/20)) = 19.98, z = −2.25.
    expect(leeds.p).toBeCloseTo(twoSidedP(-45 / (100 * Math.sqrt(0.399375 * 0.1))), 12);
    expect(leeds.p).toBeCloseTo(0.0243, 4);
    // Two segments tried with the same p (York is Leeds' mirror): Benjamini–Hochberg gives min(2p/2, 2p/1) = p.
    expect(report).toHaveLength(2);
    expect(leeds.adjustedP).toBeCloseTo(leeds.p, 12);
    // 0.0243 is below α = 0.05 but not below its quarter, 0.0125: not flagged, in the API as in the digest and the dashboard.
    expect([significanceRule.alpha, insightAlpha]).toEqual([0.05, 0.0125]);
    expect(leeds.flagged).toBe(false);
  });

  it('offers the reason the customer chose as a driver: the reason whose scores fell is named', () => {
    const withReason = (score: number, reason: string): SegmentAnswer => ({ ...answer(score, 'Leeds'), reason });
    const answers = [
      ...Array.from({ length: 12 }, () => withReason(0, 'delivery')),
      ...Array.from({ length: 12 }, () => withReason(10, 'price')),
      ...Array.from({ length: 12 }, () => withReason(10, 'quality')),
    ];
    const top = segmentsReport(answers)[0]!;
    expect([top.cohort, top.n, top.score, top.restN, top.restScore, top.flagged]).toEqual(['reason:delivery', 12, -100, 24, 100, true]);
    expect(describeSegment(top, describeFeature)).toBe('reason delivery');
  });

  it('names nothing where nothing differs, and tries nothing under 10 answers a side', () => {
    const calm = Array.from({ length: 40 }, (_, i) => answer(i % 2 ? 9 : 3, i % 4 < 2 ? 'Leeds' : 'York', i % 3 ? ['delivery.onTime=true'] : []));
    expect(segmentsReport(calm).filter((s) => s.flagged)).toEqual([]);
    expect(segmentsReport(calm.slice(0, 15))).toEqual([]);
  });
});
