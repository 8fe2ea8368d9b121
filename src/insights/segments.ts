import { surveyKinds, type SurveyKind } from '../domain/surveys.js';
import { adjustFamily, insightAlpha, significanceRule, testDifference, type Histogram } from '../scoring/index.js';
import type { SegmentAnswer } from '../store/index.js';

/** A group of answers: a cohort (`location:Leeds`), an event feature (`delivery.daysLate=3-6`), or one of each. */
export interface Segment {
  cohort?: string;
  feature?: string;
}

export interface SegmentStat extends Segment {
  kind: SurveyKind;
  /** Answers in the segment and their score; the rest of the kind's answers of the period and theirs. */
  n: number;
  score: number;
  restN: number;
  restScore: number;
  /** score − restScore in points, and its 95 % margin. */
  effect: number;
  margin: number;
  p: number;
  /** Benjamini–Hochberg over every segment of every kind tried in the report. */
  adjustedP: number;
  /** adjustedP < `insightAlpha` (0.0125) and below the rest: the rule the API, the digest and the dashboard name by. */
  flagged: boolean;
}

/** The cohorts an answer belongs to (its tags, context and reason), as the counters name them. */
const cohortsOf = (a: SegmentAnswer) => [...new Set([...a.tags.map((t) => `tag:${t}`), ...Object.entries(a.context).map(([k, v]) => `${k}:${v}`), ...(a.reason ? [`reason:${a.reason}`] : [])])];
/** Event features worth a segment: details (`type.attribute=value`), not the bare type. */
const featuresOf = (a: SegmentAnswer) => [...new Set(a.precededBy.filter((f) => f.includes('=')))];

const keyOf = (s: Segment) => `${s.cohort ?? ''}|${s.feature ?? ''}`;

/**
 * What the report needs of some answers, per kind: the answers per score, and per segment (each
 * cohort, each event feature, each cohort × feature) its answers per score. These add up across
 * weeks, so a week's counts are kept with its analysis and a report over weeks reads no answers.
 */
export interface KindSegmentCounts {
  kind: SurveyKind;
  all: Record<string, number>;
  segments: Array<Segment & { histogram: Record<string, number> }>;
}

const bump = (h: Record<string, number>, score: number, by = 1) => {
  h[score] = (h[score] ?? 0) + by;
};

/** The segment counts of some answers (kinds without answers left out). */
export function segmentCounts(answers: readonly SegmentAnswer[]): KindSegmentCounts[] {
  return surveyKinds.flatMap((kind) => {
    const of = answers.filter((a) => a.kind === kind);
    if (!of.length) return [];
    const all: Record<string, number> = {};
    const members = new Map<string, Segment & { histogram: Record<string, number> }>();
    const add = (segment: Segment, score: number) => {
      const k = keyOf(segment);
      const m = members.get(k) ?? { ...segment, histogram: {} };
      bump(m.histogram, score);
      members.set(k, m);
    };
    for (const a of of) {
      bump(all, a.score);
      const cohorts = cohortsOf(a);
      const features = featuresOf(a);
      for (const cohort of cohorts) add({ cohort }, a.score);
      for (const feature of features) add({ feature }, a.score);
      for (const cohort of cohorts) for (const feature of features) add({ cohort, feature }, a.score);
    }
    return [{ kind, all, segments: [...members.values()].sort((x, y) => keyOf(x).localeCompare(keyOf(y))) }];
  });
}

/** Several sets of segment counts (say one per week) as one. */
export function addSegmentCounts(parts: ReadonlyArray<readonly KindSegmentCounts[]>): KindSegmentCounts[] {
  return surveyKinds.flatMap((kind) => {
    const of = parts.flatMap((p) => p.filter((k) => k.kind === kind));
    if (!of.length) return [];
    const all: Record<string, number> = {};
    const members = new Map<string, Segment & { histogram: Record<string, number> }>();
    for (const k of of) {
      for (const [score, n] of Object.entries(k.all)) bump(all, Number(score), n);
      for (const s of k.segments) {
        const key = keyOf(s);
        const m = members.get(key) ?? { ...(s.cohort ? { cohort: s.cohort } : {}), ...(s.feature ? { feature: s.feature } : {}), histogram: {} };
        for (const [score, n] of Object.entries(s.histogram)) bump(m.histogram, Number(score), n);
        members.set(key, m);
      }
    }
    return [{ kind, all, segments: [...members.values()].sort((x, y) => keyOf(x).localeCompare(keyOf(y))) }];
  });
}

const total = (h: Histogram) => Object.values(h).reduce((sum, n) => sum + n, 0);

/** a − b per score, keeping the scores left with answers (b's answers are among a's). */
function subtract(a: Histogram, b: Histogram): Histogram {
  const [from, part] = [a as Record<string, number>, b as Record<string, number>];
  const out: Record<string, number> = {};
  for (const score in from) {
    const left = from[score]! - (part[score] ?? 0);
    if (left > 0) out[score] = left;
  }
  return out;
}

/**
 * The segments whose customers scored lowest against everyone else, per survey kind: each cohort,
 * each event feature, and each cohort × feature with at least 10 answers inside and outside. Every
 * segment of every kind is one family (Benjamini–Hochberg); flagged ones fell below the rest with
 * adjusted p < `insightAlpha`. A combination is kept only when it also scores lower than each of its
 * parts alone (its cohort without the feature, and the feature outside the cohort: raw p <
 * `insightAlpha` each), so a cause of one part is named as that part, not as every combination that
 * happens to hold more of it. Lowest effect first among the flagged.
 */
export function segmentsReport(answers: readonly SegmentAnswer[]): SegmentStat[] {
  return segmentsFromCounts(segmentCounts(answers));
}

/** The segments report from segment counts (of one period, or weeks added up). */
export function segmentsFromCounts(counts: readonly KindSegmentCounts[]): SegmentStat[] {
  const tested: Array<Omit<SegmentStat, 'adjustedP' | 'flagged'> & { enough: boolean }> = [];
  for (const { kind, all, segments } of counts) {
    const n = total(all);
    if (n < 2 * significanceRule.minPerSide) continue;
    const byKey = new Map(segments.map((s) => [keyOf(s), s.histogram]));
    for (const { histogram, ...segment } of segments) {
      const inside = total(histogram);
      if (inside < significanceRule.minPerSide || n - inside < significanceRule.minPerSide) continue;
      const t = testDifference(kind, histogram, subtract(all, histogram));
      if (t.delta === null || t.p === null || t.a.score === null || t.b.score === null) continue;
      if (segment.cohort && segment.feature) {
        const parts = [byKey.get(keyOf({ cohort: segment.cohort })) ?? {}, byKey.get(keyOf({ feature: segment.feature })) ?? {}];
        if (!parts.every((part) => lowerThanRest(kind, histogram, subtract(part, histogram)))) continue;
      }
      tested.push({ ...segment, kind, n: t.a.n, score: t.a.score, restN: t.b.n, restScore: t.b.score, effect: t.delta, margin: t.marginOfError!, p: t.p, enough: t.enough });
    }
  }
  return adjustFamily(tested)
    .map(({ enough: _enough, adjustedP, ...s }) => ({ ...s, adjustedP: adjustedP ?? 1, flagged: adjustedP !== null && adjustedP < insightAlpha && s.effect < 0 }))
    .sort((x, y) => Number(y.flagged) - Number(x.flagged) || x.effect - y.effect || x.adjustedP - y.adjustedP || keyOf(x).localeCompare(keyOf(y)) || x.kind.localeCompare(y.kind));
}

/** The combination (`inside`) scores lower than the rest of one of its parts (its cohort without the feature, or the feature outside the cohort). */
function lowerThanRest(kind: SurveyKind, inside: Histogram, rest: Histogram): boolean {
  if (total(rest) < significanceRule.minPerSide) return false;
  const t = testDifference(kind, inside, rest);
  return t.delta !== null && t.delta < 0 && t.p !== null && t.p < insightAlpha;
}

/** How a segment reads: "location Leeds", "a delivery 3-6 days late", "location Leeds after a delivery 3-6 days late". */
export function describeSegment(s: Segment, describeFeature: (f: string) => string): string {
  const cohort = s.cohort?.replace(':', ' ');
  if (cohort && s.feature) return `${cohort} after ${describeFeature(s.feature)}`;
  return cohort ?? `after ${describeFeature(s.feature!)}`;
}
