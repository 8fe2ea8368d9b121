import { z } from 'zod';
import { readRollups, type RollupCounts } from '../store/rollup-counts.js';
import { surveyKinds, type SurveyKind } from '../domain/surveys.js';
import { parseInput } from '../errors.js';
import { adjustFamily, significanceRule, summarize, testDifference, type Histogram } from '../scoring/index.js';
import type { Store } from '../store/index.js';
import { shiftWeek, weekKey } from '../domain/calendar.js';

/** `event`: the customers to whom something happened in the 30 days before the survey (`delivery.onTime=false`), from the events of other systems. */
export const cohortDimensions = ['product', 'tag', 'location', 'staff', 'channel', 'event', 'first_purchase_month', 'identity', 'link', 'reason'] as const;
export type CohortDimension = (typeof cohortDimensions)[number];

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

/** The query `GET /api/v1/metrics/cohorts` takes. */
export const metricsQuery = z
  .object({
    kind: z.enum(surveyKinds),
    by: z.enum(cohortDimensions),
    period: z.enum(['week', 'month']).default('week'),
    from: day,
    to: day,
  })
  .refine((q) => q.from <= q.to, { message: 'must not be after to', path: ['from'] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 2 * 366 * 86_400_000, { message: 'at most two years', path: ['to'] });
export type MetricsQuery = z.input<typeof metricsQuery>;

/** Both sides need this many answers before a difference is tried (the shared significance rule). */
export const minFlagN = significanceRule.minPerSide;

export interface ScoreCell {
  n: number;
  score: number | null;
  /** 95 % margin of error of the score, in points. */
  marginOfError: number | null;
}

export interface CohortCell extends ScoreCell {
  group: string;
  /** The rest of the business in the same period (every answer outside the group). */
  rest: ScoreCell;
  /** group − rest in points, and the 95 % margin of that difference. */
  difference: number | null;
  differenceMargin: number | null;
  /** Two-sided p of the difference (pooled z test); null when a side has no answers. */
  p: number | null;
  /** Benjamini–Hochberg p over every group and period of the report; null when a side has under 10 answers. */
  adjustedP: number | null;
  /** adjustedP < 0.05: the group differs from the rest beyond what testing this many groups at once explains. */
  flagged: boolean;
}

export interface CohortMetrics {
  kind: SurveyKind;
  by: CohortDimension;
  period: 'week' | 'month';
  periods: Array<{ period: string; weeks: string[]; business: ScoreCell; groups: CohortCell[] }>;
}

const scoreCell = (s: { n: number; score: number | null; marginOfError: number | null }): ScoreCell => ({ n: s.n, score: s.score, marginOfError: s.marginOfError });
const cell = (kind: SurveyKind, h: Histogram): ScoreCell => scoreCell(summarize(kind, h));

/** a − b per score, keeping the scores left with answers (b's counts are part of a's). */
function subtract(a: Histogram, b: Histogram): Histogram {
  const [all, part] = [a as Record<string, number>, b as Record<string, number>];
  const out: Record<string, number> = {};
  for (const score in all) {
    const left = all[score]! - (part[score] ?? 0);
    if (left > 0) out[score] = left;
  }
  return out;
}

type UnadjustedCell = Omit<CohortCell, 'adjustedP' | 'flagged'> & { enough: boolean };

/** A group against the rest of the business, before the report's correction: the scores, margins and p. */
export function compareWithRest(kind: SurveyKind, group: string, groupHistogram: Histogram, allHistogram: Histogram): UnadjustedCell {
  const t = testDifference(kind, groupHistogram, subtract(allHistogram, groupHistogram));
  // No spread before the other fields: on Node 20 each property after a spread costs about 1 µs, and a report over 12 weeks has hundreds of cells.
  return { group, n: t.a.n, score: t.a.score, marginOfError: t.a.marginOfError, rest: scoreCell(t.b), difference: t.delta, differenceMargin: t.marginOfError, p: t.p, enough: t.enough };
}

/** Every group of a report adjusted at once (Benjamini–Hochberg) and flagged by the shared rule. */
export function flagGroups(cells: readonly UnadjustedCell[]): CohortCell[] {
  return adjustFamily(cells).map(({ enough: _enough, ...c }) => c);
}

/** The Monday week key of a calendar date (YYYY-MM-DD). */
const mondayOf = (date: string) => weekKey(new Date(`${date}T12:00:00Z`), 'UTC');

/**
 * Per group of a dimension and per period: the score, n and 95 % margin, and the groups whose score
 * differs from the rest of the business beyond the margin of the difference. Read from the rollup
 * counters only (one document per group and week), so the cost grows with weeks × groups, never with the
 * number of surveys. Weeks are the counters' periods: a month is the weeks whose Monday is in it,
 * and `from`/`to` take the weeks that contain them.
 */
export async function metricsByCohort(store: Store, businessId: string, raw: MetricsQuery): Promise<CohortMetrics> {
  const q = parseInput(metricsQuery, raw, 'query');
  const fromWeek = mondayOf(q.from);
  const toWeek = mondayOf(q.to);
  const counts = await readRollups(store, businessId, { from: fromWeek, to: toWeek }, { cohortPrefix: `${q.by}:`, kind: q.kind });
  const periods = new Map<string, string[]>();
  for (let w = fromWeek; w <= toWeek; w = shiftWeek(w, 1)) {
    const key = q.period === 'week' ? w : w.slice(0, 7);
    periods.set(key, [...(periods.get(key) ?? []), w]);
  }
  const prefix = `${q.by}:`;
  const groups = counts.cohorts().filter((c) => c.startsWith(prefix));
  const rows = [...periods].map(([period, weeks]) => {
    const all = counts.sum(q.kind, weeks).histogram;
    const cells = groups.map((g) => compareWithRest(q.kind, g.slice(prefix.length), counts.sum(q.kind, weeks, g).histogram, all)).filter((g) => g.n > 0);
    return { period, weeks, business: cell(q.kind, all), cells };
  });
  // One family: every group of every period of the report, so more periods or groups never mean more false flags.
  const flagged = flagGroups(rows.flatMap((r) => r.cells));
  let next = 0;
  return {
    kind: q.kind,
    by: q.by,
    period: q.period,
    periods: rows.map(({ cells, ...r }) => ({ ...r, groups: flagged.slice(next, (next += cells.length)) })),
  };
}

export interface CohortMove {
  cohort: string;
  kind: SurveyKind;
  week: string;
  baselineWeeks: number;
  current: ScoreCell;
  baseline: ScoreCell;
  delta: number;
  marginOfError: number;
  /** Benjamini–Hochberg p over every cohort and kind tried this week. */
  adjustedP: number;
  /** How many cohort × kind comparisons were tried (the family of the correction). */
  tried: number;
}

/**
 * The cohort (tag, product, location, staff member or channel) whose score this week moved furthest
 * from its own score over the weeks before: at least 10 answers in each, every cohort and kind tried
 * at once (Benjamini–Hochberg, adjusted p < 0.05); undefined when none survives. Ranked by adjusted p,
 * then by how far past the margin.
 */
export function cohortMovedMost(counts: RollupCounts, week: string, baselineWeeks = 4): CohortMove | undefined {
  const before = Array.from({ length: baselineWeeks }, (_, i) => shiftWeek(week, -(i + 1)));
  // Groups of customers (tags, products, places, staff, channels); what happened before drops has a line of its own.
  const tests = counts
    .cohorts()
    .filter((c) => c !== 'all' && !c.startsWith('event:'))
    .flatMap((cohort) => surveyKinds.map((kind) => ({ cohort, kind, ...testDifference(kind, counts.get(kind, week, cohort).histogram, counts.sum(kind, before, cohort).histogram) })));
  const adjusted = adjustFamily(tests);
  const tried = adjusted.filter((t) => t.adjustedP !== null).length;
  const moves = adjusted
    .filter((t) => t.flagged && t.delta !== null && t.marginOfError !== null)
    .map((t): CohortMove => ({ cohort: t.cohort, kind: t.kind, week, baselineWeeks, current: scoreCell(t.a), baseline: scoreCell(t.b), delta: t.delta!, marginOfError: t.marginOfError!, adjustedP: t.adjustedP!, tried }));
  return moves.sort((x, y) => x.adjustedP - y.adjustedP || Math.abs(y.delta) - y.marginOfError - (Math.abs(x.delta) - x.marginOfError))[0];
}
