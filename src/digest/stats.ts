import { ownerWords, type OwnerWords } from '../dialogs/prompts/owner-words.js';
import { kindLabel, surveyKinds, type SurveyKind } from '../domain/surveys.js';
import { rates, round1, summarize, type FunnelRates, type Summary } from '../scoring/index.js';
import type { Store } from '../store/index.js';
import { weekKey, weekKeys } from '../domain/calendar.js';
import { funnel, readRollups, type RollupCounts } from '../store/rollup-counts.js';
import { reasonCohortPrefix } from '../domain/reasons.js';
import { reasonCounts, reasonLine, type ReasonCount } from './reasons.js';

export interface KindStats {
  kind: SurveyKind;
  summary: Summary;
  sent: number;
  rates: FunnelRates;
}

export interface PeriodStats {
  days: number;
  /** First and last week (Monday keys) counted: rollups are weekly, so a period is whole weeks. */
  fromWeek: string;
  toWeek: string;
  kinds: KindStats[];
  /** Answers per reason in these weeks (the optional reason question), most given first. */
  reasons: ReasonCount[];
}

/** NPS, CSAT and CES over the weeks touching the last `days` days, from the rollup counters only. */
export async function periodStats(store: Store, business: { id: string; timeZone: string }, now: Date, days: number): Promise<PeriodStats> {
  return rangeStats(store, business, new Date(now.getTime() - (days - 1) * 86_400_000), now, days);
}

/**
 * The same numbers over the weeks touching `from`..`to` (business time zone), optionally one kind:
 * what `/stats`, the digest's counters and the metrics API all read.
 */
export async function rangeStats(
  store: Store,
  business: { id: string; timeZone: string },
  from: Date,
  to: Date,
  days = Math.max(1, Math.ceil((to.getTime() - from.getTime()) / 86_400_000)),
  only?: SurveyKind,
): Promise<PeriodStats> {
  const toWeek = weekKey(to, business.timeZone);
  const fromWeek = weekKey(from, business.timeZone);
  // The 'all' counters and the reasons' (one per reason and week): bounded by weeks × reasons.
  const counts = await readRollups(store, business.id, { from: fromWeek, to: toWeek }, { cohortPrefix: reasonCohortPrefix });
  return statsOfCounts(counts, { fromWeek, toWeek }, days, only);
}

/**
 * The same numbers from counters already read (the 'all' and reason counters of the weeks
 * `fromWeek`..`toWeek` at least): the dashboard reads every group's counters of its period anyway.
 */
export function statsOfCounts(counts: RollupCounts, range: { fromWeek: string; toWeek: string }, days: number, only?: SurveyKind): PeriodStats {
  const { fromWeek, toWeek } = range;
  const weeks = weekKeys(fromWeek, toWeek);
  const kinds = surveyKinds
    .filter((kind) => !only || kind === only)
    .map((kind) => {
      const c = counts.sum(kind, weeks);
      return { kind, summary: summarize(kind, c.histogram), sent: c.sent, rates: rates(funnel(c)) };
    })
    .filter((k) => k.sent > 0 || k.summary.n > 0);
  return { days, fromWeek, toWeek, kinds, reasons: reasonCounts(counts, weeks, only ? [only] : surveyKinds) };
}

const english = ownerWords('en');

/** "NPS +20" / "CSAT 80%" / "CES 60% easy": the headline score as people read it, in the reader's language. */
export function scoreText(s: Pick<Summary, 'kind' | 'score'>, w: OwnerWords = english): string {
  if (s.score === null) return w.t('score.none', { kind: kindLabel[s.kind] });
  const value = round1(s.score);
  if (s.kind === 'nps') return w.t('score.nps', { score: w.signed(value) });
  return w.t(`score.${s.kind}`, { score: w.percent(value / 100) });
}

/** "NPS +20 ±31.2 (n=40)" / "CES 60% easy ±15.2 (n=40, mean 5.1/7)": the score with its 95 % margin, as /stats and the digest show it. */
export function scoreWithMargin(s: Summary, w: OwnerWords = english): string {
  const margin = s.marginOfError === null ? '' : w.number(round1(s.marginOfError));
  const mean = s.kind === 'ces' && s.mean !== null ? w.number(round1(s.mean)) : '';
  return w.t('score.withMargin', { score: scoreText(s, w), hasMargin: margin ? 'yes' : 'no', margin, n: w.number(s.n), hasMean: mean ? 'yes' : 'no', mean });
}

/** The `/stats` answer, in the reader's language. */
export function renderStats(stats: PeriodStats, w: OwnerWords = english): string {
  const head = w.t('stats.head', { days: w.number(stats.days), week: w.day(stats.fromWeek) });
  if (!stats.kinds.length) return w.t('stats.none', { head });
  const lines = stats.kinds.map(({ summary: s, sent, rates: r }) =>
    w.t('stats.kind', { score: scoreWithMargin(s, w), sent: w.number(sent), responseRate: w.percent(r.responseRate), abandonmentRate: w.percent(r.abandonmentRate) }),
  );
  const reasons = reasonLine(stats.reasons, w);
  return [head, ...lines, ...(reasons ? [reasons] : [])].join('\n');
}

/** JSON shape for the API. */
export function statsJson(stats: PeriodStats) {
  return {
    days: stats.days,
    fromWeek: stats.fromWeek,
    toWeek: stats.toWeek,
    kinds: stats.kinds.map(({ kind, summary, sent, rates: r }) => ({
      kind,
      n: summary.n,
      score: round1(summary.score),
      marginOfError: round1(summary.marginOfError),
      sent,
      responseRate: r.responseRate,
      completionRate: r.completionRate,
      abandonmentRate: r.abandonmentRate,
    })),
    reasons: stats.reasons,
  };
}
