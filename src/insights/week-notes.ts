import { surveyKinds, type Band, type SurveyKind } from '../domain/surveys.js';
import type { Store, SurveyRecord } from '../store/index.js';
import { readRollups, type RollupCounts } from '../store/rollup-counts.js';
import { identityOfSurvey } from '../store/rollups.js';
import { answersOf, inputsOf, sameVersion, staleAnalysisMaxMs } from './week-analysis.js';

/** A survey as the digest and the dashboard quote it. */
export interface NotedSurvey {
  surveyId: string;
  customerId: string;
  kind: SurveyKind;
  channel: string;
  score: number;
  band?: Band;
  comment?: string;
  name?: string;
  /** A web visitor who left a contact is identified; see `identityOfSurvey`. */
  identity: 'anonymous' | 'identified';
  at: Date;
}

/**
 * What the digest and the dashboard list of a week besides its counters, read once with indexed,
 * limited queries and kept with the week's analysis (`store.weekAnalyses`, part 'notes'): a report
 * over weeks reads one small document per week however many surveys they hold. The notes are
 * computed again when the week's counters change (an answer, a comment) or a detractor of the week
 * gets an answer.
 */
export interface WeekNotes {
  /** Per kind, the week's commented answers lowest first and highest first (`commentsPerKind` each). */
  commented: Array<{ kind: SurveyKind; lowest: NotedSurvey[]; highest: NotedSurvey[] }>;
  /** The week's detractors nobody has answered: how many, and the first `unansweredListed` (oldest first). */
  unanswered: { count: number; first: NotedSurvey[] };
  /** Per kind, the same detractors: how many, and the newest `waitingListed` (the dashboard's reply list). */
  waiting: Array<{ kind: SurveyKind; count: number; newest: NotedSurvey[] }>;
}

export const commentsPerKind = 3;
export const unansweredListed = 5;
export const waitingListed = 20;

const noted = (s: SurveyRecord): NotedSurvey => ({
  surveyId: s.id,
  customerId: s.customerId,
  kind: s.kind,
  channel: s.channel,
  score: s.score ?? 0,
  ...(s.band ? { band: s.band } : {}),
  ...(s.comment !== undefined ? { comment: s.comment } : {}),
  ...(s.vars.customerName !== undefined ? { name: s.vars.customerName } : {}),
  identity: identityOfSurvey(s),
  at: s.answeredAt ?? s.invitedAt,
});

/** A week's notes from its surveys: a few indexed queries, each with a limit, and a count per kind. */
export async function computeWeekNotes(store: Store, businessId: string, week: string): Promise<WeekNotes> {
  const commented: WeekNotes['commented'] = [];
  const waiting: WeekNotes['waiting'] = [];
  for (const kind of surveyKinds) {
    const lowest = await store.surveys.commented(businessId, week, kind, 1, commentsPerKind);
    const highest = lowest.length ? await store.surveys.commented(businessId, week, kind, -1, commentsPerKind) : [];
    if (lowest.length) commented.push({ kind, lowest: lowest.map(noted), highest: highest.map(noted) });
    const w = await store.surveys.waitingForReply(businessId, kind, { from: week, to: week }, waitingListed);
    if (w.count) waiting.push({ kind, count: w.count, newest: w.surveys.map(noted) });
  }
  // The week's waiting detractors are those of its three kinds: their count is the kinds' counts summed, not a fourth count.
  const first = await store.surveys.unansweredDetractors(businessId, week, unansweredListed);
  return { commented, unanswered: { count: waiting.reduce((sum, w) => sum + w.count, 0), first: first.map(noted) }, waiting };
}

/** The notes of some weeks (the parts read of them), and when the oldest of those served out of date was computed (none: all up to date). */
export interface NotedWeeks<N = WeekNotes> {
  notes: N[];
  asOf?: Date;
}

/**
 * The notes of these weeks: the kept ones still up to date, the others computed now and kept.
 * `counts` (the weeks' counters, 'all' cohort at least) are read when not given. With `servedStale`
 * (the dashboard), a week with more answers than the store's `liveAnswers` whose kept notes are out
 * of date but less than `staleAnalysisMaxMs` old, and no detractor of it answered since (who is
 * waiting is current once the business answers), is served those notes (`asOf` says since when): the sweeper
 * computes them again with the week's analysis (`refreshLargeWeeks`), and a busy week's counters
 * move with every answer. Only `parts` of the kept notes are read (all when not given): the
 * dashboard lists who is waiting and decodes no comment lists.
 */
export async function notedWeeks<P extends keyof WeekNotes = keyof WeekNotes>(
  store: Store,
  businessId: string,
  weeks: readonly string[],
  options: { counts?: RollupCounts; servedStale?: boolean; parts?: readonly P[] } = {},
): Promise<NotedWeeks<Pick<WeekNotes, P>>> {
  if (!weeks.length) return { notes: [] };
  const sorted = [...weeks].sort();
  const c = options.counts ?? (await readRollups(store, businessId, { from: sorted[0]!, to: sorted.at(-1)! }, { allCohortOnly: true }));
  const inputs = new Map(weeks.map((week) => [week, inputsOf(c, week)]));
  const kept = await store.weekAnalyses.kept<Pick<WeekNotes, P>>(businessId, inputs, 'notes', options.parts);
  const notes: Array<Pick<WeekNotes, P>> = [];
  let asOf: Date | undefined;
  for (const week of weeks) {
    const k = kept.get(week);
    if (k?.upToDate) {
      notes.push(k.value);
      continue;
    }
    const answers = answersOf(c, week);
    if (options.servedStale && k && !k.replied && sameVersion(k.inputs) && Date.now() - k.startedAt.getTime() < staleAnalysisMaxMs && answers > store.weekAnalyses.liveAnswers) {
      notes.push(k.value);
      if (!asOf || k.startedAt < asOf) asOf = k.startedAt;
      // Grown large since it was last looked at: from now on the sweeper keeps it fresh.
      if (k.answers <= store.weekAnalyses.liveAnswers) await store.weekAnalyses.grew(businessId, week, answers);
      continue;
    }
    notes.push(await computeAndKeep(store, businessId, week, inputs.get(week)!));
  }
  return asOf ? { notes, asOf } : { notes };
}

/** The notes of these weeks, each up to date (see `notedWeeks`). */
export async function weekNotes(store: Store, businessId: string, weeks: readonly string[], counts?: RollupCounts): Promise<WeekNotes[]> {
  return (await notedWeeks(store, businessId, weeks, counts ? { counts } : {})).notes;
}

/** The sweeper's part: a week's notes computed again and kept when out of date. Whether they were. */
export async function refreshWeekNotes(store: Store, businessId: string, week: string, counts: RollupCounts): Promise<boolean> {
  const inputs = inputsOf(counts, week);
  if (await store.weekAnalyses.isCurrent(businessId, week, inputs, 'notes')) return false;
  await computeAndKeep(store, businessId, week, inputs);
  return true;
}

async function computeAndKeep(store: Store, businessId: string, week: string, inputs: string): Promise<WeekNotes> {
  const startedAt = new Date();
  const notes = await computeWeekNotes(store, businessId, week);
  await store.weekAnalyses.write(businessId, week, inputs, startedAt, notes, 'notes');
  return notes;
}

/** The weeks' detractors of one kind waiting for an answer: how many, and the newest `limit` (as one query over the weeks would list them). */
export function weeksWaiting(notes: ReadonlyArray<Pick<WeekNotes, 'waiting'>>, kind: SurveyKind, limit = waitingListed): { count: number; surveys: NotedSurvey[] } {
  const of = notes.flatMap((n) => n.waiting.filter((w) => w.kind === kind));
  const surveys = of.flatMap((w) => w.newest).sort((a, b) => (a.surveyId < b.surveyId ? 1 : a.surveyId > b.surveyId ? -1 : 0));
  return { count: of.reduce((sum, w) => sum + w.count, 0), surveys: surveys.slice(0, limit) };
}
