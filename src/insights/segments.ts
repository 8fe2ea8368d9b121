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
const cohortsOf = (a: SegmentAnswer) => [...a.tags.map((t) => `tag:${t}`), ...Object.entries(a.context).map(([k, v]) => `${k}:${v}`), ...(a.reason ? [`reason:${a.reason}`] : [])];
/** Event features worth a segment: details (`type.attribute=value`), not the bare type. */
const featuresOf = (a: SegmentAnswer) => a.precededBy.filter((f) => f.includes('='));

const histogramOf = (answers: readonly SegmentAnswer[]): Histogram => {
  const h: Record<number, number> = {};
  for (const a of answers) h[a.score] = (h[a.score] ?? 0) + 1;
  return h;
};

const keyOf = (s: Segment) => `${s.cohort ?? ''}|${s.feature ?? ''}`;

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
  const tested: Array<Omit<SegmentStat, 'adjustedP' | 'flagged'> & { enough: boolean }> = [];
  for (const kind of surveyKinds) {
    const of = answers.filter((a) => a.kind === kind);
    if (of.length < 2 * significanceRule.minPerSide) continue;
    const members = new Map<string, { segment: Segment; answers: SegmentAnswer[] }>();
    const add = (segment: Segment, a: SegmentAnswer) => {
      const k = keyOf(segment);
      const m = members.get(k) ?? { segment, answers: [] };
      m.answers.push(a);
      members.set(k, m);
    };
    for (const a of of) {
      const cohorts = cohortsOf(a);
      const features = featuresOf(a);
      for (const cohort of cohorts) add({ cohort }, a);
      for (const feature of features) add({ feature }, a);
      for (const cohort of cohorts) for (const feature of features) add({ cohort, feature }, a);
    }
    for (const { segment, answers: inside } of members.values()) {
      if (inside.length < significanceRule.minPerSide || of.length - inside.length < significanceRule.minPerSide) continue;
      const set = new Set(inside);
      const t = testDifference(kind, histogramOf(inside), histogramOf(of.filter((a) => !set.has(a))));
      if (t.delta === null || t.p === null || t.a.score === null || t.b.score === null) continue;
      if (segment.cohort && segment.feature && !differsFromParts(kind, segment, inside, of)) continue;
      tested.push({ ...segment, kind, n: t.a.n, score: t.a.score, restN: t.b.n, restScore: t.b.score, effect: t.delta, margin: t.marginOfError!, p: t.p, enough: t.enough });
    }
  }
  return adjustFamily(tested)
    .map(({ enough: _enough, adjustedP, ...s }) => ({ ...s, adjustedP: adjustedP ?? 1, flagged: adjustedP !== null && adjustedP < insightAlpha && s.effect < 0 }))
    .sort((x, y) => Number(y.flagged) - Number(x.flagged) || x.effect - y.effect || x.adjustedP - y.adjustedP || keyOf(x).localeCompare(keyOf(y)));
}

/** The combination scores lower than its cohort without the feature and than the feature outside the cohort. */
function differsFromParts(kind: SurveyKind, segment: Segment, inside: readonly SegmentAnswer[], all: readonly SegmentAnswer[]): boolean {
  const set = new Set(inside);
  const cohortRest = all.filter((a) => !set.has(a) && cohortsOf(a).includes(segment.cohort!));
  const featureRest = all.filter((a) => !set.has(a) && featuresOf(a).includes(segment.feature!));
  return [cohortRest, featureRest].every((rest) => {
    if (rest.length < significanceRule.minPerSide) return false;
    const t = testDifference(kind, histogramOf(inside), histogramOf(rest));
    return t.delta !== null && t.delta < 0 && t.p !== null && t.p < insightAlpha;
  });
}

/** How a segment reads: "location Leeds", "a delivery 3-6 days late", "location Leeds after a delivery 3-6 days late". */
export function describeSegment(s: Segment, describeFeature: (f: string) => string): string {
  const cohort = s.cohort?.replace(':', ' ');
  if (cohort && s.feature) return `${cohort} after ${describeFeature(s.feature)}`;
  return cohort ?? `after ${describeFeature(s.feature!)}`;
}
