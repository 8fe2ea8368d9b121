import { surveyKinds, type SurveyKind } from '../domain/surveys.js';
import { adjustedPs, insightAlpha, scoreCounts, significanceRule, testCounts, type CountsTest, type ScoreCounts } from '../scoring/index.js';
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

/** Adds histogram `h`'s counts into `into`. */
const addInto = (into: Record<string, number>, h: Readonly<Record<string, number>>) => {
  for (const score in h) into[score] = (into[score] ?? 0) + h[score]!;
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
      addInto(all, k.all);
      for (const s of k.segments) {
        const key = keyOf(s);
        let m = members.get(key);
        if (!m) members.set(key, (m = { ...(s.cohort ? { cohort: s.cohort } : {}), ...(s.feature ? { feature: s.feature } : {}), histogram: {} }));
        addInto(m.histogram, s.histogram);
      }
    }
    // In the order `segmentCounts` gives, each key made once (a report adds up thousands of segments).
    return [{ kind, all, segments: [...members.entries()].sort(([x], [y]) => x.localeCompare(y)).map(([, m]) => m) }];
  });
}

/** a − b: the answers of a not in b (b's answers are among a's). */
const minus = (a: ScoreCounts, b: ScoreCounts): ScoreCounts => ({ n: a.n - b.n, promoter: a.promoter - b.promoter, detractor: a.detractor - b.detractor });

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

/**
 * The segments report from segment counts (of one period, or weeks added up). Each segment's
 * histogram is counted once (`scoreCounts`); the rest of the answers, inside and outside a part, are
 * those counts subtracted, so a report over thousands of segments reads each histogram once.
 */
export function segmentsFromCounts(counts: readonly KindSegmentCounts[]): SegmentStat[] {
  const tested: Array<{ segment: Segment; kind: SurveyKind; t: CountsTest }> = [];
  for (const { kind, all, segments } of counts) {
    const everyone = scoreCounts(kind, all);
    if (everyone.n < 2 * significanceRule.minPerSide) continue;
    const counted = segments.map((s) => scoreCounts(kind, s.histogram));
    const byKey = new Map(segments.map((s, i) => [keyOf(s), counted[i]!]));
    const none: ScoreCounts = { n: 0, promoter: 0, detractor: 0 };
    for (const [i, segment] of segments.entries()) {
      const inside = counted[i]!;
      if (inside.n < significanceRule.minPerSide || everyone.n - inside.n < significanceRule.minPerSide) continue;
      const t = testCounts(kind, inside, minus(everyone, inside));
      if (t.delta === null || t.p === null || t.a.score === null || t.b.score === null) continue;
      if (segment.cohort && segment.feature) {
        const parts = [byKey.get(keyOf({ cohort: segment.cohort })) ?? none, byKey.get(keyOf({ feature: segment.feature })) ?? none];
        if (!parts.every((part) => lowerThanRest(kind, inside, minus(part, inside)))) continue;
      }
      tested.push({ segment, kind, t });
    }
  }
  const adjusted = adjustedPs(tested.map(({ t }) => t));
  return tested
    .map(({ segment, kind, t }, i) => statOf(segment, kind, t, adjusted[i] ?? null))
    .sort((x, y) => Number(y.flagged) - Number(x.flagged) || x.effect - y.effect || x.adjustedP - y.adjustedP || keyOf(x).localeCompare(keyOf(y)) || x.kind.localeCompare(y.kind));
}

/**
 * A tested segment as the report gives it (its cohort and feature, where it has them, first), built
 * property by property: a report may build thousands (every cohort × event detail), and on Node 20
 * each property that follows a spread in an object literal costs about a microsecond.
 */
function statOf(segment: Segment, kind: SurveyKind, t: CountsTest, adjustedP: number | null): SegmentStat {
  const stat: Partial<SegmentStat> = {};
  if (segment.cohort) stat.cohort = segment.cohort;
  if (segment.feature) stat.feature = segment.feature;
  stat.kind = kind;
  stat.n = t.a.n;
  stat.score = t.a.score!;
  stat.restN = t.b.n;
  stat.restScore = t.b.score!;
  stat.effect = t.delta!;
  stat.margin = t.marginOfError!;
  stat.p = t.p!;
  stat.flagged = adjustedP !== null && adjustedP < insightAlpha && t.delta! < 0;
  stat.adjustedP = adjustedP ?? 1;
  return stat as SegmentStat;
}

/** The combination (`inside`) scores lower than the rest of one of its parts (its cohort without the feature, or the feature outside the cohort). */
function lowerThanRest(kind: SurveyKind, inside: ScoreCounts, rest: ScoreCounts): boolean {
  if (rest.n < significanceRule.minPerSide) return false;
  const t = testCounts(kind, inside, rest);
  return t.delta !== null && t.delta < 0 && t.p !== null && t.p < insightAlpha;
}

/** How a segment reads: "location Leeds", "a delivery 3-6 days late", "location Leeds after a delivery 3-6 days late". */
export function describeSegment(s: Segment, describeFeature: (f: string) => string): string {
  const cohort = s.cohort?.replace(':', ' ');
  if (cohort && s.feature) return `${cohort} after ${describeFeature(s.feature)}`;
  return cohort ?? `after ${describeFeature(s.feature!)}`;
}
