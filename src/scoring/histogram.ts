import type { Band, SurveyKind } from '../dialogs/types.js';

/** Score → number of responses with that score; a missing score counts 0. */
export type Histogram = Readonly<Record<number, number>>;

export interface ScoreRange {
  min: number;
  max: number;
}

const ranges: Readonly<Record<SurveyKind, ScoreRange>> = {
  nps: { min: 0, max: 10 },
  csat: { min: 1, max: 5 },
  ces: { min: 1, max: 7 },
};

/** Lowest score in each band: [passive, promoter]; below the first is a detractor. */
const bandStarts: Readonly<Record<SurveyKind, readonly [number, number]>> = {
  nps: [7, 9], // 0-6 detractor, 7-8 passive, 9-10 promoter
  csat: [3, 4], // 1-2 detractor (unsatisfied), 3 passive, 4-5 promoter (satisfied)
  ces: [4, 5], // 1-3 detractor (hard), 4 passive, 5-7 promoter (easy)
};

export function scoreRange(kind: SurveyKind): ScoreRange {
  return { ...ranges[kind] };
}

function assertScoreInRange(kind: SurveyKind, score: number): void {
  const { min, max } = ranges[kind];
  if (!Number.isInteger(score) || score < min || score > max) {
    throw new RangeError(`${kind} score ${score} is not an integer in ${min}-${max}`);
  }
}

export function bandOf(kind: SurveyKind, score: number): Band {
  assertScoreInRange(kind, score);
  const [passiveFrom, promoterFrom] = bandStarts[kind];
  if (score >= promoterFrom) return 'promoter';
  if (score >= passiveFrom) return 'passive';
  return 'detractor';
}

function assertCount(score: number, count: number): void {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`count ${count} for score ${score} is not a non-negative integer`);
  }
}

/** The histogram's (score, count) pairs, with scores as numbers; rejects bad keys and counts. */
export function histogramEntries(h: Histogram): Array<[score: number, count: number]> {
  return Object.entries(h).map(([key, count]) => {
    const score = Number(key);
    if (!Number.isInteger(score)) throw new RangeError(`score "${key}" is not an integer`);
    assertCount(score, count);
    return [score, count];
  });
}

/**
 * The histogram's entries after checking every score belongs to the kind's scale. A key outside the
 * range is rejected even with a zero count: it means histograms of different kinds were mixed up.
 */
export function checkedEntries(kind: SurveyKind, h: Histogram): Array<[score: number, count: number]> {
  const entries = histogramEntries(h);
  for (const [score] of entries) assertScoreInRange(kind, score);
  return entries;
}

/** Number of responses in each band, after checking the histogram against the kind's range. */
export function bandCounts(kind: SurveyKind, h: Histogram): Record<Band, number> {
  const counts: Record<Band, number> = { detractor: 0, passive: 0, promoter: 0 };
  for (const [score, count] of checkedEntries(kind, h)) counts[bandOf(kind, score)] += count;
  return counts;
}

export function histogramFromScores(scores: readonly number[]): Histogram {
  const h: Record<number, number> = {};
  for (const score of scores) {
    if (!Number.isInteger(score)) throw new RangeError(`score ${score} is not an integer`);
    h[score] = (h[score] ?? 0) + 1;
  }
  return h;
}

export function addHistograms(a: Histogram, b: Histogram): Histogram {
  const sum: Record<number, number> = {};
  for (const [score, count] of [...histogramEntries(a), ...histogramEntries(b)]) {
    sum[score] = (sum[score] ?? 0) + count;
  }
  return sum;
}

export function histogramTotal(h: Histogram): number {
  return histogramEntries(h).reduce((total, [, count]) => total + count, 0);
}
