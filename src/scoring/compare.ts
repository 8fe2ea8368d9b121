import type { SurveyKind } from '../domain/surveys.js';
import type { Histogram } from './histogram.js';
import { npsStandardError, proportionStandardError, Z95 } from './margin.js';
import { summarize, type Summary, type SummaryByKind } from './summarize.js';

export interface Comparison<S extends Summary = Summary> {
  current: S;
  previous: S;
  /** current.score − previous.score in points; null when either period has no responses. */
  delta: number | null;
  /** 95 % margin of error of the delta, 1.96·SE; null when delta is null. */
  marginOfError: number | null;
  /** |delta| > 1.96·SE, i.e. a two-sided test at the 5 % level. */
  significant: boolean;
  /** delta / SE; null when delta is null or SE is 0 (both periods unanimous). */
  z: number | null;
}

/**
 * Standard error of the headline score in points. For CES that is the % easy, not the mean: it keeps
 * every kind a proportion-type score with the same test, and it is the number the digest shows.
 */
function scoreStandardError(s: Summary): number {
  switch (s.kind) {
    case 'nps':
      return npsStandardError(s.promoters / s.n, s.detractors / s.n, s.n) * 100;
    case 'csat':
      return proportionStandardError(s.satisfied / s.n, s.n) * 100;
    case 'ces':
      return proportionStandardError(s.easy / s.n, s.n) * 100;
  }
}

/**
 * Change of the score between two periods. The periods are independent samples, so
 * SE(delta) = sqrt(se_current² + se_previous²). Caveat: with unanimous periods SE is 0 and any
 * non-zero delta counts as significant; the normal approximation is weak for small n.
 */
export function compare<K extends SurveyKind>(
  kind: K,
  current: Histogram,
  previous: Histogram,
): Comparison<SummaryByKind[K]> {
  const now = summarize(kind, current);
  const before = summarize(kind, previous);
  if (now.score === null || before.score === null) {
    return { current: now, previous: before, delta: null, marginOfError: null, significant: false, z: null };
  }
  const delta = now.score - before.score;
  const se = Math.hypot(scoreStandardError(now), scoreStandardError(before));
  return {
    current: now,
    previous: before,
    delta,
    marginOfError: Z95 * se,
    significant: Math.abs(delta) > Z95 * se,
    z: se === 0 ? null : delta / se,
  };
}
