import { bandOf, scaleOf, type Band, type Scale, type SurveyKind } from '../domain/surveys.js';

export { bandOf };

/** Score → number of responses with that score; a missing score counts 0. */
export type Histogram = Readonly<Record<number, number>>;

export type ScoreRange = Scale;

/** The inclusive score range of a kind (the domain's scale). */
export const scoreRange = scaleOf;

function assertCount(score: number, count: number): void {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`count ${count} for score ${score} is not a non-negative integer`);
  }
}

/** A histogram key as a score: an integer, else a RangeError. */
function scoreOf(key: string): number {
  const score = Number(key);
  if (!Number.isInteger(score)) throw new RangeError(`score "${key}" is not an integer`);
  return score;
}

/** The histogram's (score, count) pairs, with scores as numbers; rejects bad keys and counts. */
export function histogramEntries(h: Histogram): Array<[score: number, count: number]> {
  const out: Array<[number, number]> = [];
  for (const key in h) {
    const score = scoreOf(key);
    const count = (h as Readonly<Record<string, number>>)[key]!;
    assertCount(score, count);
    out.push([score, count]);
  }
  return out;
}

/**
 * The histogram's entries after checking every score belongs to the kind's scale. A key outside the
 * range is rejected even with a zero count: it means histograms of different kinds were mixed up.
 */
export function checkedEntries(kind: SurveyKind, h: Histogram): Array<[score: number, count: number]> {
  const entries = histogramEntries(h);
  for (const [score] of entries) bandOf(kind, score); // throws a RangeError off the scale
  return entries;
}

/**
 * Number of responses in each band, after checking the histogram against the kind's range (as
 * `checkedEntries` checks it). One pass and no arrays: the insight reports count the bands of
 * thousands of segments' histograms per read.
 */
export function bandCounts(kind: SurveyKind, h: Histogram): Record<Band, number> {
  const counts: Record<Band, number> = { detractor: 0, passive: 0, promoter: 0 };
  for (const key in h) {
    const score = scoreOf(key);
    const count = (h as Readonly<Record<string, number>>)[key]!;
    assertCount(score, count);
    counts[bandOf(kind, score)] += count;
  }
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

/** The average score on the kind's own scale; null with no answers. */
export function meanScore(kind: SurveyKind, h: Histogram): number | null {
  const entries = checkedEntries(kind, h);
  const n = entries.reduce((total, [, count]) => total + count, 0);
  return n ? entries.reduce((sum, [score, count]) => sum + score * count, 0) / n : null;
}
