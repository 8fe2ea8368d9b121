import { z } from 'zod';
import { readRollups, type RollupCounts } from '../digest/rollup-counts.js';
import { surveyKinds, type SurveyKind } from '../domain/surveys.js';
import { parseInput } from '../errors.js';
import { compare, histogramTotal, summarize, type Histogram } from '../scoring/index.js';
import type { Store } from '../store/index.js';
import { shiftWeek, weekKey } from '../surveys/calendar.js';

/** `event`: the customers to whom something happened in the 30 days before the survey (`delivery.onTime=false`), from the events of other systems. */
export const cohortDimensions = ['product', 'tag', 'location', 'staff', 'channel', 'event', 'first_purchase_month', 'identity'] as const;
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

/** Both sides need this many answers before a difference is flagged (below it the normal approximation says little). */
export const minFlagN = 5;

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
  /** |difference| beyond its margin, with at least 5 answers on each side. */
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

/** A group against the rest of the business: the score, its margin, and whether the difference is beyond noise. */
export function compareWithRest(kind: SurveyKind, group: string, groupHistogram: Histogram, allHistogram: Histogram): CohortCell {
  // The comparison summarises both sides once; the cells are those summaries.
  const c = compare(kind, groupHistogram, subtract(allHistogram, groupHistogram));
  const [mine, rest] = [scoreCell(c.current), scoreCell(c.previous)];
  const enough = mine.n >= minFlagN && rest.n >= minFlagN;
  return { group, ...mine, rest, difference: c.delta, differenceMargin: c.marginOfError, flagged: enough && c.significant };
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
  return {
    kind: q.kind,
    by: q.by,
    period: q.period,
    periods: [...periods].map(([period, weeks]) => {
      const all = counts.sum(q.kind, weeks).histogram;
      return {
        period,
        weeks,
        business: cell(q.kind, all),
        groups: groups
          .map((g) => compareWithRest(q.kind, g.slice(prefix.length), counts.sum(q.kind, weeks, g).histogram, all))
          .filter((g) => g.n > 0),
      };
    }),
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
}

/**
 * The cohort (tag, product, location, staff member or channel) whose score this week moved furthest
 * beyond its margin from its own score over the weeks before, with at least 5 answers in each;
 * undefined when none moved beyond noise. Ranked by how far past the margin (|delta| − margin).
 */
export function cohortMovedMost(counts: RollupCounts, week: string, baselineWeeks = 4): CohortMove | undefined {
  const before = Array.from({ length: baselineWeeks }, (_, i) => shiftWeek(week, -(i + 1)));
  let best: CohortMove | undefined;
  // Groups of customers (tags, products, places, staff, channels); what happened before drops has a line of its own.
  for (const cohort of counts.cohorts().filter((c) => c !== 'all' && !c.startsWith('event:'))) {
    for (const kind of surveyKinds) {
      const now = counts.get(kind, week, cohort).histogram;
      const then = counts.sum(kind, before, cohort).histogram;
      if (histogramTotal(now) < minFlagN || histogramTotal(then) < minFlagN) continue;
      const c = compare(kind, now, then);
      if (!c.significant || c.delta === null || c.marginOfError === null) continue;
      const move: CohortMove = { cohort, kind, week, baselineWeeks, current: cell(kind, now), baseline: cell(kind, then), delta: c.delta, marginOfError: c.marginOfError };
      if (!best || Math.abs(move.delta) - move.marginOfError > Math.abs(best.delta) - best.marginOfError) best = move;
    }
  }
  return best;
}
