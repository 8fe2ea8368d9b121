import { bandCounts, checkedEntries, type Histogram } from './histogram.js';
import { marginOfError, meanStandardError, proportionStandardError } from './margin.js';

export interface CesSummary {
  kind: 'ces';
  n: number;
  /** Mean effort score on 1-7 (higher is easier); null without responses. */
  mean: number | null;
  /** 95 % margin of error of the mean, in scale points; null when n < 2 (no sample spread). */
  meanMarginOfError: number | null;
  /** Responses scoring 5-7 ("easy"). */
  easy: number;
  /** % easy, 0..100; null without responses. The headline score, and the one compared over time. */
  score: number | null;
  /** 95 % margin of error of the % easy, in percentage points; null without responses. */
  marginOfError: number | null;
}

/** CES = mean of the 1-7 scores, plus the % of 5-7 ("easy") responses. */
export function ces(h: Histogram): CesSummary {
  const entries = checkedEntries('ces', h);
  const easy = bandCounts('ces', h).promoter;
  const n = entries.reduce((total, [, count]) => total + count, 0);
  if (n === 0) {
    return { kind: 'ces', n, mean: null, meanMarginOfError: null, easy, score: null, marginOfError: null };
  }
  const mean = entries.reduce((sum, [score, count]) => sum + score * count, 0) / n;
  // Sample variance s² = Σ count·(score − mean)² / (n − 1); undefined for a single response.
  const squares = entries.reduce((sum, [score, count]) => sum + count * (score - mean) ** 2, 0);
  const meanMoe = n < 2 ? null : marginOfError(meanStandardError(Math.sqrt(squares / (n - 1)), n));
  const p = easy / n;
  return {
    kind: 'ces',
    n,
    mean,
    meanMarginOfError: meanMoe, // 1.96·s/sqrt(n)
    easy,
    score: p * 100,
    marginOfError: marginOfError(proportionStandardError(p, n)) * 100, // 1.96·sqrt(p(1−p)/n)·100
  };
}
