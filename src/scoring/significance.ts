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

/** Per-answer variance of the headline score (fraction units): NPS answers are +1/0/−1, CSAT and CES easy 1/0. */
function answerVariance(kind: SurveyKind, h: Histogram): { n: number; variance: number } {
  const c = bandCounts(kind, h);
  const n = c.promoter + c.passive + c.detractor;
  if (n === 0) return { n, variance: 0 };
  const pPro = c.promoter / n;
  if (kind !== 'nps') return { n, variance: pPro * (1 - pPro) };
  const pDet = c.detractor / n;
  return { n, variance: Math.max(0, pPro + pDet - (pPro - pDet) ** 2) };
}

const plus = (a: Histogram, b: Histogram): Histogram => {
  const out: Record<number, number> = { ...a };
  for (const [score, count] of Object.entries(b)) out[Number(score)] = (out[Number(score)] ?? 0) + count;
  return out;
};

/**
 * Is a's score different from b's? Both headline scores, the difference, its 95 % margin, and the
 * p of a z test whose standard error pools both sides, so a unanimous side (a margin of 0) does not
 * make any difference "significant".
 */
export function testDifference(kind: SurveyKind, a: Histogram, b: Histogram): DifferenceTest {
  const [sa, sb] = [summarize(kind, a), summarize(kind, b)];
  const enough = sa.n >= significanceRule.minPerSide && sb.n >= significanceRule.minPerSide;
  if (sa.score === null || sb.score === null) return { a: sa, b: sb, delta: null, marginOfError: null, p: null, enough: false };
  const delta = sa.score - sb.score;
  const [va, vb] = [answerVariance(kind, a), answerVariance(kind, b)];
  const margin = Z95 * 100 * Math.sqrt(va.variance / va.n + vb.variance / vb.n);
  const pooled = answerVariance(kind, plus(a, b)).variance;
  const se = 100 * Math.sqrt(pooled * (1 / sa.n + 1 / sb.n));
  const p = se === 0 ? 1 : twoSidedP(delta / se);
  return { a: sa, b: sb, delta, marginOfError: margin, p, enough };
}

/**
 * The family of one report, adjusted at once: tests with too few answers are not tried (adjusted p
 * null, never flagged); the others get their Benjamini–Hochberg p and are flagged below α.
 */
export function adjustFamily<T extends { p: number | null; enough: boolean }>(tests: readonly T[]): Array<T & { adjustedP: number | null; flagged: boolean }> {
  const tried = tests.flatMap((t, i) => (t.enough && t.p !== null ? [i] : []));
  const q = benjaminiHochberg(tried.map((i) => tests[i]!.p!));
  const adjusted = new Map(tried.map((i, k) => [i, q[k]!]));
  return tests.map((t, i) => {
    const adjustedP = adjusted.get(i) ?? null;
    return { ...t, adjustedP, flagged: adjustedP !== null && adjustedP < significanceRule.alpha };
  });
}
