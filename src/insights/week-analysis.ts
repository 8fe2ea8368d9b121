import { setImmediate } from 'node:timers/promises';
import { surveyKinds, type SurveyKind } from '../domain/surveys.js';
import type { Store } from '../store/index.js';
import { readRollups, type RollupCounts } from '../store/rollup-counts.js';
import type { WeekOf } from '../store/week-analyses.js';
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
  const terms: WeekAnalysis['terms'] = [];
  for (const kind of surveyKinds) {
    const of = commented.filter((s) => s.kind === kind).map((s) => ({ id: s.id, band: s.band, comment: s.comment ?? '', locale: s.locale }));
    if (of.length) terms.push({ kind, bands: await termCountsInTurns(of, keptCommentIds) });
  }
  const { pairs } = await periodPairs(store, businessId, { fromWeek: week, toWeek: week });
  return { terms, drops: featureCounts(pairs), segments: segmentCounts(await store.surveySegments.ofWeek(businessId, week)) };
}

/** Comments counted per turn of the event loop: a large week's analysis lets the server answer between turns. */
export const commentsPerTurn = 2_000;

/** `termCounts` of the comments, a turn of the event loop per `commentsPerTurn` (term counts add up exactly). */
export async function termCountsInTurns(comments: Parameters<typeof termCounts>[0], idLimit: number): Promise<BandTermCounts[]> {
  if (comments.length <= commentsPerTurn) return termCounts(comments, idLimit);
  const parts: BandTermCounts[][] = [];
  for (let i = 0; i < comments.length; i += commentsPerTurn) {
    parts.push(termCounts(comments.slice(i, i + commentsPerTurn), idLimit));
    await setImmediate();
  }
  return addTermCounts(parts, idLimit);
}

/**
 * What a week's analysis is computed from, as far as the counters show it: its counts of every kind,
 * after the analysis's version (an analysis kept by an older version, without a part, is computed again).
 */
const analysisVersion = 2;
const versionPrefix = `${analysisVersion}|`;
export const inputsOf = (counts: RollupCounts, week: string) => `${versionPrefix}${JSON.stringify(surveyKinds.map((kind) => counts.get(kind, week)))}`;
/** Whether kept inputs were written by this version of `inputsOf` (an older analysis is never served out of date). */
export const sameVersion = (inputs: string) => inputs.startsWith(versionPrefix);

/** The parts of a week's analysis, each read on its own by the reports that need only it. */
export type AnalysisPart = keyof WeekAnalysis;

/** The analyses of some weeks (the parts read of them), and when the oldest of those served out of date was computed (none: all up to date). */
export interface AnalysedWeeks<A = WeekAnalysis> {
  analyses: A[];
  asOf?: Date;
}

/** A report over weeks, and when the oldest week analysis it was served out of date began (none: every week up to date). */
export interface Analysed<T> {
  report: T;
  asOf?: Date;
}

/** How old a large week's last analysis may be and still be served out of date: the sweeper computes it again sooner (`refreshLargeWeeks`). */
export const staleAnalysisMaxMs = 15 * 60_000;
/** How often the sweeper looks again at a large week still open. */
export const largeWeekCheckMs = 2 * 60_000;
/**
 * How often it computes again a large week that only changes the counters do not show made out of
 * date: events may come all day, and a report serves such a week for 15 minutes from the change.
 */
export const outdatedWeekCheckMs = 10 * 60_000;

/** A week's answers of every kind, as its counters count them. */
export const answersOf = (counts: RollupCounts, week: string) => surveyKinds.reduce((sum, kind) => sum + counts.get(kind, week).scored, 0);

/**
 * The analyses of these weeks: the kept ones still up to date, the others computed now and kept.
 * A week with more answers than the store's `liveAnswers` whose kept analysis is out of date but
 * less than `staleAnalysisMaxMs` old, or out of date for less than that through a change the
 * counters do not show, is served that analysis (`asOf` says since when): computing it reads every
 * commented answer of the week, and the sweeper does that within `largeWeekCheckMs`.
 * `counts` (the weeks' counters, 'all' cohort at least) are read when not given. Only `parts` of
 * the kept analyses are read (all when not given): a report that needs one part does not decode the
 * others (a large week's terms are tens of kilobytes, its drop counts a few hundred bytes).
 */
export async function analysedWeeks<P extends AnalysisPart = AnalysisPart>(
  store: Store,
  businessId: string,
  weeks: readonly string[],
  counts?: RollupCounts,
  parts?: readonly P[],
): Promise<AnalysedWeeks<Pick<WeekAnalysis, P>>> {
  if (!weeks.length) return { analyses: [] };
  const sorted = [...weeks].sort();
  const c = counts ?? (await readRollups(store, businessId, { from: sorted[0]!, to: sorted.at(-1)! }, { allCohortOnly: true }));
  const inputs = new Map(weeks.map((week) => [week, inputsOf(c, week)]));
  const kept = await store.weekAnalyses.kept<Pick<WeekAnalysis, P>>(businessId, inputs, 'analysis', parts);
  const analyses: Array<Pick<WeekAnalysis, P>> = [];
  let asOf: Date | undefined;
  for (const week of weeks) {
    const k = kept.get(week);
    if (k?.upToDate) {
      analyses.push(k.value);
      continue;
    }
    const answers = answersOf(c, week);
    // Out of date since its computation when the counters moved (when is not known), else since the
    // first change the counters do not show (a late event on a closed week).
    const since = k?.outdatedAt && k.inputs === inputs.get(week) ? k.outdatedAt : k?.startedAt;
    if (k && since && sameVersion(k.inputs) && Date.now() - since.getTime() < staleAnalysisMaxMs && answers > store.weekAnalyses.liveAnswers) {
      analyses.push(k.value);
      if (!asOf || k.startedAt < asOf) asOf = k.startedAt;
      // Grown large since it was analysed: from now on the sweeper keeps it fresh.
      if (k.answers <= store.weekAnalyses.liveAnswers) await store.weekAnalyses.grew(businessId, week, answers);
      continue;
    }
    analyses.push(await refreshWeekAnalysis(store, businessId, week, c));
  }
  return asOf ? { analyses, asOf } : { analyses };
}

/** The analyses of these weeks (see `analysedWeeks`). */
export async function weekAnalyses(store: Store, businessId: string, weeks: readonly string[], counts?: RollupCounts): Promise<WeekAnalysis[]> {
  return (await analysedWeeks(store, businessId, weeks, counts)).analyses;
}

/** Compute a week's analysis and keep it with the counters it was computed from (read when not given). */
export async function refreshWeekAnalysis(store: Store, businessId: string, week: string, counts?: RollupCounts): Promise<WeekAnalysis> {
  const startedAt = new Date();
  const c = counts ?? (await readRollups(store, businessId, { from: week, to: week }, { allCohortOnly: true }));
  const analysis = await computeWeekAnalysis(store, businessId, week);
  await store.weekAnalyses.write(businessId, week, inputsOf(c, week), startedAt, analysis, 'analysis', answersOf(c, week));
  return analysis;
}

/**
 * The sweeper's part: the analyses of large weeks not yet final (from `fromWeek` on) not looked at
 * for `largeWeekCheckMs`, and of large weeks of any age that a change the counters do not show made
 * out of date (a late event) not looked at for `outdatedWeekCheckMs`, are computed again when out
 * of date (else marked checked), so a report that serves one out of date serves one at most about
 * that old. A pass looks at up to `checks` weeks (a read of their counters each) and computes at
 * most `computes` of them; the rest wait for the next pass; `notes` is called for each week looked
 * at (the sweeper's computation of out-of-date notes). Returns the analyses computed. Ages are of
 * this process's clock, as `startedAt` is.
 */
export async function refreshLargeWeeks(
  store: Store,
  fromWeek: string,
  { checks = 50, computes = 5, notes }: { checks?: number; computes?: number; notes?: (store: Store, businessId: string, week: string, counts: RollupCounts) => Promise<unknown> } = {},
): Promise<number> {
  const now = new Date();
  const { liveAnswers } = store.weekAnalyses;
  const checkedBefore = new Date(now.getTime() - largeWeekCheckMs);
  const open = await store.weekAnalyses.largeToCheck(fromWeek, liveAnswers, checkedBefore, checks);
  const outdated = await store.weekAnalyses.outdatedToCheck(liveAnswers, new Date(now.getTime() - outdatedWeekCheckMs), now, checks);
  const keyOf = (w: WeekOf) => `${w.businessId}|${w.week}`;
  const marked = new Set(outdated.map(keyOf));
  // One of each in turn, so neither list waits on the other when more than `checks` are due.
  const turns = Array.from({ length: Math.max(open.length, outdated.length) }, (_, i) => [open[i], outdated[i]]).flat().filter((w) => w !== undefined);
  const weeks = [...new Map(turns.map((w) => [keyOf(w), w])).values()].slice(0, checks);
  let computed = 0;
  for (const w of weeks) {
    const { businessId, week } = w;
    const counts = await readRollups(store, businessId, { from: week, to: week }, { allCohortOnly: true });
    if (await store.weekAnalyses.isCurrent(businessId, week, inputsOf(counts, week))) await store.weekAnalyses.checked(businessId, week, now, marked.has(keyOf(w)));
    else if (computed < computes) {
      await refreshWeekAnalysis(store, businessId, week, counts);
      computed++;
    }
    // Its notes too, when out of date (a few indexed, limited queries): the dashboard serves a large week's last ones meanwhile.
    await notes?.(store, businessId, week, counts);
  }
  return computed;
}

/** The features that came before drops over the weeks (of one kind, or of all, adjusted together): as `precedingFeatures` of the weeks' pairs. */
export function weeksDropFeatures(analyses: ReadonlyArray<Pick<WeekAnalysis, 'drops'>>, kind?: SurveyKind): FeatureStat[] {
  return featuresFromCounts(addFeatureCounts(analyses.map((a) => a.drops.filter((k) => !kind || k.kind === kind))));
}

/** The weeks' pairs and drops (of one kind, or of all). */
export function weeksPairs(analyses: ReadonlyArray<Pick<WeekAnalysis, 'drops'>>, kind?: SurveyKind): { pairs: number; drops: number } {
  const all = addFeatureCounts(analyses.map((a) => a.drops.filter((k) => !kind || k.kind === kind)));
  return { pairs: all.reduce((sum, k) => sum + k.drops + k.others, 0), drops: all.reduce((sum, k) => sum + k.drops, 0) };
}

/** The themes of the weeks' comments as one period (of one kind, or of all): as `commentThemes` of those comments. */
export function weeksThemes(analyses: ReadonlyArray<Pick<WeekAnalysis, 'terms'>>, period: string, options: { kind?: SurveyKind; limit?: number; minComments?: number } = {}): PeriodThemes[] {
  const parts = analyses.flatMap((a) => a.terms.filter((t) => !options.kind || t.kind === options.kind).map((t) => t.bands));
  return themesFromCounts(period, addTermCounts(parts, keptCommentIds), options);
}

/** The weeks' segment counts added up (of one kind, or of all). */
export function weeksSegmentCounts(analyses: ReadonlyArray<Pick<WeekAnalysis, 'segments'>>, kind?: SurveyKind): KindSegmentCounts[] {
  return addSegmentCounts(analyses.map((a) => (a.segments ?? []).filter((k) => !kind || k.kind === kind)));
}

/** The segments report over the weeks (of one kind, or of all, adjusted together): as `segmentsReport` of the weeks' answers. */
export function weeksSegments(analyses: ReadonlyArray<Pick<WeekAnalysis, 'segments'>>, kind?: SurveyKind): SegmentStat[] {
  return segmentsFromCounts(weeksSegmentCounts(analyses, kind));
}
