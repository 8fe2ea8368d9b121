import { bandCounts, type Histogram } from './histogram.js';
import { marginOfError, proportionStandardError } from './margin.js';

export interface CsatSummary {
  kind: 'csat';
  n: number;
  /** Responses scoring 4 or 5. */
  satisfied: number;
  /** % satisfied, 0..100; null without responses. */
  score: number | null;
  /** 95 % margin of error in percentage points; null without responses. */
  marginOfError: number | null;
}

/** CSAT = % of responses scoring 4-5 on the 1-5 scale. */
export function csat(h: Histogram): CsatSummary {
  const counts = bandCounts('csat', h);
  const n = counts.promoter + counts.passive + counts.detractor;
  const satisfied = counts.promoter;
  if (n === 0) return { kind: 'csat', n, satisfied, score: null, marginOfError: null };
  const p = satisfied / n;
  // MoE = 1.96·sqrt(p(1−p)/n)·100
  return { kind: 'csat', n, satisfied, score: p * 100, marginOfError: marginOfError(proportionStandardError(p, n)) * 100 };
}
