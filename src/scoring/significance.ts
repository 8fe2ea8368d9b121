import type { SurveyKind } from '../domain/surveys.js';
import { bandCounts, type Histogram } from './histogram.js';
import { Z95 } from './margin.js';
import { summarize, type Summary } from './summarize.js';

/**
 * The one rule every report (API, digest, dashboard) flags by: at least `minPerSide` answers on each
 * side, and a Benjamini–Hochberg adjusted p below `alpha` over every comparison the report makes at
 * once (the false discovery rate of the report's flags is then at most 5 %).
 */
export const significanceRule = { minPerSide: 10, alpha: 0.05, correction: 'Benjamini-Hochberg' } as const;

/**
 * The share of α each of the four insight reports an owner reads side by side gets (groups that
 * moved, events before drops, where scores fell most, detractor themes): a report whose flags the
 * digest may name flags only below α / 4 = 0.0125, in the API and the dashboard as in the digest,
 * so a week with no cause stays quiet everywhere, not only in the digest.
 */
export const insightAlpha = significanceRule.alpha / 4;

/** P(Z > z) for a standard normal Z: erfc by the Chebyshev fit of Numerical Recipes (relative error < 1.2e-7). */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const poly = -x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const erfc = t * Math.exp(poly);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/** Two-sided p of a z statistic. */
export const twoSidedP = (z: number) => Math.min(1, 2 * normalUpperTail(Math.abs(z)));

/**
 * Benjamini–Hochberg adjusted p-values (q-values), in the order given: q(i) = min over j ≥ i of
 * m·p(j)/j in ascending order of p, at most 1. A test is a discovery at false discovery rate α when q < α.
 */
export function benjaminiHochberg(ps: readonly number[]): number[] {
  const m = ps.length;
  const order = ps.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const q = new Array<number>(m);
  let running = 1;
  for (let rank = m; rank >= 1; rank--) {
    const [p, i] = order[rank - 1]!;
    running = Math.min(running, (p * m) / rank);
    q[i] = running;
  }
  return q;
}

export interface DifferenceTest {
  a: Summary;
  b: Summary;
  /** a.score − b.score in points; null when a side has no answers. */
  delta: number | null;
  /** 95 % margin of the difference (unpooled standard errors): the interval shown next to it. */
  marginOfError: number | null;
  /** Two-sided p of the pooled z test (both sides drawn from one distribution under the null). */
  p: number | null;
  /** Both sides have at least `significanceRule.minPerSide` answers. */
  enough: boolean;
}

/**
 * Answers of one side as a headline score sees them: how many, how many count for it (NPS
 * promoters, CSAT satisfied, CES easy) and how many are detractors (only the NPS score counts
 * them against it; for CSAT and CES they may be 0).
 */
export interface ScoreCounts {
  n: number;
  promoter: number;
  detractor: number;
}

/** A histogram's score counts (its scores checked against the kind's scale). */
export function scoreCounts(kind: SurveyKind, h: Histogram): ScoreCounts {
  const c = bandCounts(kind, h);
  return { n: c.promoter + c.passive + c.detractor, promoter: c.promoter, detractor: c.detractor };
}

/** The headline score from its counts, as `summarize` computes it; null without answers. */
function headline(kind: SurveyKind, c: ScoreCounts): number | null {
  if (c.n === 0) return null;
  if (kind === 'nps') return (c.promoter / c.n - c.detractor / c.n) * 100;
  return (c.promoter / c.n) * 100;
}

/** Per-answer variance of the headline score (fraction units): NPS answers are +1/0/−1, CSAT and CES easy 1/0. */
function answerVariance(kind: SurveyKind, c: ScoreCounts): number {
  if (c.n === 0) return 0;
  const pPro = c.promoter / c.n;
  if (kind !== 'nps') return pPro * (1 - pPro);
  const pDet = c.detractor / c.n;
  return Math.max(0, pPro + pDet - (pPro - pDet) ** 2);
}

export interface CountsTest {
  /** Each side's answers and headline score (null without answers). */
  a: { n: number; score: number | null };
  b: { n: number; score: number | null };
  delta: number | null;
  marginOfError: number | null;
  p: number | null;
  enough: boolean;
}

/**
 * `testDifference` on score counts: what a report testing thousands of groups uses, each group's
 * histogram counted once and its rest found by subtracting counts.
 */
export function testCounts(kind: SurveyKind, a: ScoreCounts, b: ScoreCounts): CountsTest {
  const [scoreA, scoreB] = [headline(kind, a), headline(kind, b)];
  // Object literals, not spreads: on Node 20 each property after a spread costs about 1 µs.
  if (scoreA === null || scoreB === null) return { a: { n: a.n, score: scoreA }, b: { n: b.n, score: scoreB }, delta: null, marginOfError: null, p: null, enough: false };
  const enough = a.n >= significanceRule.minPerSide && b.n >= significanceRule.minPerSide;
  const delta = scoreA - scoreB;
  const margin = Z95 * 100 * Math.sqrt(answerVariance(kind, a) / a.n + answerVariance(kind, b) / b.n);
  const pooled = answerVariance(kind, { n: a.n + b.n, promoter: a.promoter + b.promoter, detractor: a.detractor + b.detractor });
  const se = 100 * Math.sqrt(pooled * (1 / a.n + 1 / b.n));
  const p = se === 0 ? 1 : twoSidedP(delta / se);
  return { a: { n: a.n, score: scoreA }, b: { n: b.n, score: scoreB }, delta, marginOfError: margin, p, enough };
}

/** What a summary counted, as `ScoreCounts`. */
const countsOf = (s: Summary): ScoreCounts =>
  s.kind === 'nps' ? { n: s.n, promoter: s.promoters, detractor: s.detractors } : { n: s.n, promoter: s.kind === 'csat' ? s.satisfied : s.easy, detractor: 0 };

/**
 * Is a's score different from b's? Both headline scores, the difference, its 95 % margin, and the
 * p of a z test whose standard error pools both sides, so a unanimous side (a margin of 0) does not
 * make any difference "significant".
 */
export function testDifference(kind: SurveyKind, a: Histogram, b: Histogram): DifferenceTest {
  const [sa, sb] = [summarize(kind, a), summarize(kind, b)];
  const { delta, marginOfError, p, enough } = testCounts(kind, countsOf(sa), countsOf(sb));
  return { a: sa, b: sb, delta, marginOfError, p, enough };
}

/**
 * The Benjamini–Hochberg adjusted p of each test of one report, in order: null for a test not tried
 * (too few answers, or no p).
 */
export function adjustedPs(tests: ReadonlyArray<{ p: number | null; enough: boolean }>): Array<number | null> {
  const tried = tests.flatMap((t, i) => (t.enough && t.p !== null ? [i] : []));
  const q = benjaminiHochberg(tried.map((i) => tests[i]!.p!));
  const adjusted = tests.map((): number | null => null);
  for (const [k, i] of tried.entries()) adjusted[i] = q[k]!;
  return adjusted;
}

/**
 * The family of one report, adjusted at once: tests with too few answers are not tried (adjusted p
 * null, never flagged); the others get their Benjamini–Hochberg p and are flagged below α.
 */
export function adjustFamily<T extends { p: number | null; enough: boolean }>(tests: readonly T[]): Array<T & { adjustedP: number | null; flagged: boolean }> {
  const adjusted = adjustedPs(tests);
  return tests.map((t, i) => {
    const adjustedP = adjusted[i] ?? null;
    // Object.assign, not a spread followed by fields: on Node 20 each field after a spread costs about 1 µs.
    return Object.assign({}, t, { adjustedP, flagged: adjustedP !== null && adjustedP < significanceRule.alpha });
  });
}
