import { surveyKinds, type SurveyKind } from '../domain/surveys.js';
import type { Store } from '../store/index.js';
import { readRollups, type RollupCounts } from '../store/rollup-counts.js';
import { addFeatureCounts, featureCounts, featuresFromCounts, type FeatureStat, type KindFeatureCounts } from './drops.js';
import { periodPairs } from './period-pairs.js';
import { addSegmentCounts, segmentCounts, segmentsFromCounts, type KindSegmentCounts, type SegmentStat } from './segments.js';
import { addTermCounts, termCounts, themesFromCounts, type BandTermCounts, type PeriodThemes } from './themes.js';

/**
 * The analyses of a week that add up across weeks, computed once from the week's surveys and kept
 * (`store.weekAnalyses`): the term counts of its comments (themes) and the drop-feature counts of
 * its pairs (what came before drops). A report over some weeks reads one small document per week
 * and adds them up, so its cost follows the number of weeks and terms, not of surveys. Results are
 * those of reading the weeks' surveys; only the comment ids of a theme are the first few.
 */
export interface WeekAnalysis {
  /** Per survey kind, the term counts of the week's commented answers. */
  terms: Array<{ kind: SurveyKind; bands: BandTermCounts[] }>;
  /** Per survey kind, the feature counts of the pairs whose second answer is of the week. */
  drops: KindFeatureCounts[];
  /** Per survey kind, the week's answers per score in each segment (cohort, event feature, both). */
  segments: KindSegmentCounts[];
}

/** Comment ids kept per term and week (the smallest): the dashboard quotes five. */
export const keptCommentIds = 5;

/** A week's analysis from its surveys (invitation week, as the counters count them). */
export async function computeWeekAnalysis(store: Store, businessId: string, week: string): Promise<WeekAnalysis> {
  const commented = await store.surveys.scored(businessId, { fromWeek: week, toWeek: week }, { commented: true });
  const terms = surveyKinds.flatMap((kind) => {
    const of = commented.filter((s) => s.kind === kind).map((s) => ({ id: s.id, band: s.band, comment: s.comment ?? '', locale: s.locale }));
    return of.length ? [{ kind, bands: termCounts(of, keptCommentIds) }] : [];
  });
  const { pairs } = await periodPairs(store, businessId, { fromWeek: week, toWeek: week });
  return { terms, drops: featureCounts(pairs), segments: segmentCounts(await store.surveySegments.ofWeek(businessId, week)) };
}

/**
 * What a week's analysis is computed from, as far as the counters show it: its counts of every kind,
 * after the analysis's version (an analysis kept by an older version, without a part, is computed again).
 */
const analysisVersion = 2;
export const inputsOf = (counts: RollupCounts, week: string) => `${analysisVersion}|${JSON.stringify(surveyKinds.map((kind) => counts.get(kind, week)))}`;

/**
 * The analyses of these weeks: the kept ones still up to date, the others computed now and kept.
 * `counts` (the weeks' counters, 'all' cohort at least) are read when not given.
 */
export async function weekAnalyses(store: Store, businessId: string, weeks: readonly string[], counts?: RollupCounts): Promise<WeekAnalysis[]> {
  if (!weeks.length) return [];
  const sorted = [...weeks].sort();
  const c = counts ?? (await readRollups(store, businessId, { from: sorted[0]!, to: sorted.at(-1)! }, { allCohortOnly: true }));
  const inputs = new Map(weeks.map((week) => [week, inputsOf(c, week)]));
  const kept = await store.weekAnalyses.current<WeekAnalysis>(businessId, inputs);
  const out: WeekAnalysis[] = [];
  for (const week of weeks) out.push(kept.get(week) ?? (await refreshWeekAnalysis(store, businessId, week, inputs.get(week)!)));
  return out;
}

/** Compute a week's analysis and keep it with the inputs it was computed from (read when not given). */
export async function refreshWeekAnalysis(store: Store, businessId: string, week: string, inputs?: string): Promise<WeekAnalysis> {
  const startedAt = new Date();
  const given = inputs ?? inputsOf(await readRollups(store, businessId, { from: week, to: week }, { allCohortOnly: true }), week);
  const analysis = await computeWeekAnalysis(store, businessId, week);
  await store.weekAnalyses.write(businessId, week, given, startedAt, analysis);
  return analysis;
}

/** The features that came before drops over the weeks (of one kind, or of all, adjusted together): as `precedingFeatures` of the weeks' pairs. */
export function weeksDropFeatures(analyses: readonly WeekAnalysis[], kind?: SurveyKind): FeatureStat[] {
  return featuresFromCounts(addFeatureCounts(analyses.map((a) => a.drops.filter((k) => !kind || k.kind === kind))));
}

/** The weeks' pairs and drops (of one kind, or of all). */
export function weeksPairs(analyses: readonly WeekAnalysis[], kind?: SurveyKind): { pairs: number; drops: number } {
  const all = addFeatureCounts(analyses.map((a) => a.drops.filter((k) => !kind || k.kind === kind)));
  return { pairs: all.reduce((sum, k) => sum + k.drops + k.others, 0), drops: all.reduce((sum, k) => sum + k.drops, 0) };
}

/** The themes of the weeks' comments as one period (of one kind, or of all): as `commentThemes` of those comments. */
export function weeksThemes(analyses: readonly WeekAnalysis[], period: string, options: { kind?: SurveyKind; limit?: number; minComments?: number } = {}): PeriodThemes[] {
  const parts = analyses.flatMap((a) => a.terms.filter((t) => !options.kind || t.kind === options.kind).map((t) => t.bands));
  return themesFromCounts(period, addTermCounts(parts, keptCommentIds), options);
}

/** The weeks' segment counts added up (of one kind, or of all). */
export function weeksSegmentCounts(analyses: readonly WeekAnalysis[], kind?: SurveyKind): KindSegmentCounts[] {
  return addSegmentCounts(analyses.map((a) => (a.segments ?? []).filter((k) => !kind || k.kind === kind)));
}

/** The segments report over the weeks (of one kind, or of all, adjusted together): as `segmentsReport` of the weeks' answers. */
export function weeksSegments(analyses: readonly WeekAnalysis[], kind?: SurveyKind): SegmentStat[] {
  return segmentsFromCounts(weeksSegmentCounts(analyses, kind));
}
