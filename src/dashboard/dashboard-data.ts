import { readRollups, funnel } from '../store/rollup-counts.js';
import { describeFeature } from '../insights/index.js';
import { analysedWeeks, weeksDropFeatures, weeksPairs, weeksSegments, weeksThemes } from '../insights/week-analysis.js';
import { statsJson, statsOfCounts } from '../digest/stats.js';
import { bandOf, scaleOf, type Band, type SurveyKind } from '../domain/surveys.js';
import { compareWithRest, flagGroups } from '../insights/cohorts.js';
import { describeSegment } from '../insights/segments.js';
import { notedWeeks, weeksWaiting } from '../insights/week-notes.js';
import { rates, round1, significanceRule, summarize } from '../scoring/index.js';
import { type BusinessSettings, type Store } from '../store/index.js';
import { shiftWeek, weekKey, weekKeys } from '../domain/calendar.js';
import { linkNumbers, type LinkNumbers } from '../links/link-numbers.js';
import { linkState, type LinkState } from '../links/survey-links.js';
import { reasonLabel } from '../domain/reasons.js';
import { reasonCounts } from '../digest/reasons.js';

export const dashboardPeriods = [7, 30, 90] as const;
export type DashboardPeriod = (typeof dashboardPeriods)[number];
export const trendWeekCount = 12;

export interface DashboardView {
  business: { id: string; name: string; locale: string };
  kind: SurveyKind;
  days: DashboardPeriod;
  /** The period's numbers exactly as `/stats` and `GET /api/v1/stats` give them. */
  stats: ReturnType<typeof statsJson>['kinds'][number] | undefined;
  trend: Array<{ week: string; score: number | null; lower: number | null; upper: number | null; n: number; responseRate: number | null; abandonmentRate: number | null }>;
  distribution: Array<{ score: number; count: number; band: Band }>;
  /** Answers per reason in the period (the optional reason question), most given first, labelled in the business's language. */
  reasons: Array<{ reason: string; label: string; count: number }>;
  /** Each group against the rest of the business (`restN` answers): flagged by the shared significance rule. */
  cohorts: Array<{ cohort: string; n: number; score: number | null; marginOfError: number | null; flagged: boolean; delta: number | null; restN: number; adjustedP: number | null }>;
  /** `asOf`: a busy week's list as its last computation left it, this long ago (the sweeper computes it again within minutes). */
  waiting: { count: number; surveys: Array<{ surveyId: string; customerId: string; score: number; comment?: string; name?: string; channel: string; identity: 'anonymous' | 'identified'; at: Date }>; asOf?: Date };
  /** Words and phrases detractors use more than promoters over the period's weeks, with their comments (the Insights themes). */
  themes: Array<{ term: string; count: number; of: number; otherCount: number; otherOf: number; comments: Array<{ surveyId: string; customerId: string; text: string }> }>;
  /** When themes, drops and the segment are of a large week's last analysis, not of its newest answers: when that analysis began. */
  analysedAt?: Date;
  /** Where this kind's scores fell most (a cohort, an event detail, or one of each), only when it survives the correction. */
  segment?: { what: string; n: number; score: number; restN: number; restScore: number; effect: number; margin: number; adjustedP: number; tried: number };
  /** Events that came before score drops more often than before stable or rising scores, over the period's weeks (the Insights drops report). */
  drops: { pairs: number; drops: number; leading: Array<{ what: string; drops: number; totalDrops: number; others: number; totalOthers: number; lift: number | null; p: number; adjustedP: number }> };
  /** The newest survey links of every kind, each with its numbers since it was made (as `GET /api/v1/links`). */
  links: Array<{ code: string; kind: SurveyKind; label?: string; location?: string; staff?: string; product?: string; campaign?: string; expiresAt?: Date; state: LinkState; numbers: LinkNumbers }>;
}

/** How many links the dashboard lists (newest first); the API lists more. */
export const dashboardLinkCount = 20;

/**
 * What the dashboard shows for one business, kind and period. Every number comes from the code the
 * digest and the API use (rollup counters, `periodStats`, `summarize`, `compare`, the kept week
 * analyses), never recomputed; the period is its whole weeks, as `/stats` counts it.
 */
export async function dashboardView(store: Store, business: BusinessSettings, kind: SurveyKind, days: DashboardPeriod, now: Date): Promise<DashboardView> {
  const lastWeek = weekKey(now, business.timeZone);
  const weeks = Array.from({ length: trendWeekCount }, (_, i) => shiftWeek(lastWeek, i - (trendWeekCount - 1)));
  // The trend needs only the 'all' counters of its weeks; the groups and reasons are read for the period's weeks alone.
  const trendCounts = await readRollups(store, business.id, { from: weeks[0]!, to: lastWeek }, { allCohortOnly: true });

  const trend = weeks.map((week) => {
    const c = trendCounts.get(kind, week);
    const s = summarize(kind, c.histogram);
    const r = rates(funnel(c));
    const margin = s.marginOfError;
    return {
      week,
      score: round1(s.score),
      lower: s.score === null || margin === null ? null : round1(s.score - margin),
      upper: s.score === null || margin === null ? null : round1(s.score + margin),
      n: s.n,
      responseRate: r.responseRate,
      abandonmentRate: r.abandonmentRate,
    };
  });

  // The period's weeks (the same whole weeks `/stats` counts), every group's counters of them.
  const fromWeek = weekKey(new Date(now.getTime() - (days - 1) * 86_400_000), business.timeZone);
  const periodWeeks = weekKeys(fromWeek, lastWeek);
  const counts = await readRollups(store, business.id, { from: fromWeek, to: lastWeek });
  // The period's numbers as `/stats` gives them (`periodStats`' weeks), from the same counters.
  const stats = statsJson(statsOfCounts(counts, { fromWeek, toWeek: lastWeek }, days)).kinds.find((k) => k.kind === kind);
  const all = counts.sum(kind, periodWeeks);
  const { min, max } = scaleOf(kind);
  const distribution = Array.from({ length: max - min + 1 }, (_, i) => min + i).map((score) => ({ score, count: all.histogram[score] ?? 0, band: bandOf(kind, score) }));

  // Each group against the rest of the business, all groups tried at once (the rule the API and the digest use).
  const cohorts = flagGroups(
    counts
      .cohorts()
      // A survey link's answers are in their location, staff and product groups; the links have their own table.
      .filter((c) => c !== 'all' && !c.startsWith('link:'))
      .map((cohort) => compareWithRest(kind, cohort, counts.sum(kind, periodWeeks, cohort).histogram, all.histogram))
      .filter((c) => c.n > 0),
  )
    .map((c) => ({ cohort: c.group, n: c.n, score: round1(c.score), marginOfError: round1(c.marginOfError), flagged: c.flagged, delta: round1(c.difference), restN: c.rest.n, adjustedP: c.adjustedP }))
    .sort((a, b) => Number(b.flagged) - Number(a.flagged) || b.n - a.n);

  const choices = business.reasonQuestion?.choices ?? [];
  const reasons = reasonCounts(counts, periodWeeks, [kind]).map((r) => {
    const choice = choices.find((c) => c.key === r.reason);
    return { ...r, label: choice ? reasonLabel(choice, business.locale) : r.reason };
  });

  // Who is waiting for an answer, from the weeks' kept notes (computed with indexed, limited queries;
  // a busy week's last ones while the sweeper computes them again, unless a detractor was answered since).
  const { notes, asOf: waitingAsOf } = await notedWeeks(store, business.id, periodWeeks, { counts, servedStale: true, parts: ['waiting'] });
  const waiting = weeksWaiting(notes, kind);
  // Themes and drops over the period's weeks, added up from each week's kept analysis (no survey read).
  const { analyses, asOf: analysedAt } = await analysedWeeks(store, business.id, periodWeeks, counts);
  const detractorThemes = weeksThemes(analyses, periodWeeks[0]!, { kind, limit: 5 })
    .filter((p) => p.band === 'detractor')
    .flatMap((p) => p.themes)
    .filter((t) => t.adjustedP < significanceRule.alpha)
    .sort((a, b) => b.z - a.z)
    .slice(0, 5);
  // Up to five quotes per theme, read in one query for all of them.
  const quotes = await store.surveys.comments(business.id, [...new Set(detractorThemes.flatMap((t) => t.commentIds.slice(0, 5)))]);
  const quoteOf = new Map(quotes.map((q) => [q.surveyId, q]));
  const themes = detractorThemes.map((t) => ({
    term: t.term,
    count: t.count,
    of: t.of,
    otherCount: t.otherCount,
    otherOf: t.otherOf,
    comments: t.commentIds.slice(0, 5).flatMap((id) => quoteOf.get(id) ?? []),
  }));
  const leading = weeksDropFeatures(analyses, kind)
    .filter((f) => f.adjustedP < significanceRule.alpha)
    .slice(0, 5)
    .map((f) => ({ what: describeFeature(f.feature), drops: f.drops, totalDrops: f.totalDrops, others: f.others, totalOthers: f.totalOthers, lift: f.lift, p: f.p, adjustedP: f.adjustedP }));
  const segments = weeksSegments(analyses, kind);
  const top = segments.find((x) => x.flagged);
  const stored = await store.surveyLinks.list(business.id, dashboardLinkCount);
  const numbersOf = await linkNumbers(store, business, stored, now);
  const links = stored.map((l) => ({ code: l.code, kind: l.kind, label: l.label, location: l.location, staff: l.staff, product: l.product, campaign: l.campaign, ...(l.expiresAt ? { expiresAt: l.expiresAt } : {}), state: linkState(l, now), numbers: numbersOf.get(l.code)! }));
  const segment = top && { what: describeSegment(top, describeFeature), n: top.n, score: round1(top.score), restN: top.restN, restScore: round1(top.restScore), effect: round1(top.effect), margin: round1(top.margin), adjustedP: top.adjustedP, tried: segments.length };
  return {
    ...(segment ? { segment } : {}),
    ...(analysedAt ? { analysedAt } : {}),
    business: { id: business.id, name: business.name, locale: business.locale },
    kind,
    days,
    stats,
    trend,
    distribution,
    reasons,
    cohorts,
    waiting: {
      count: waiting.count,
      surveys: waiting.surveys.map((s) => ({ surveyId: s.surveyId, customerId: s.customerId, score: s.score, comment: s.comment, name: s.name, channel: s.channel, identity: s.identity, at: s.at })),
      ...(waitingAsOf ? { asOf: waitingAsOf } : {}),
    },
    themes,
    drops: { ...weeksPairs(analyses, kind), leading },
    links,
  };
}
