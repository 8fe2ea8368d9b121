import { surveyKinds, type SurveyKind } from '../domain/surveys.js';
import type { FunnelCounts } from '../scoring/index.js';
import type { RollupRow, Store } from './index.js';

/** Counters of one (kind, week, cohort): the score histogram and the funnel. */
export interface Counts {
  histogram: Record<number, number>;
  sent: number;
  /** Surveys that got a score. */
  scored: number;
  completed: number;
  commented: number;
  /** Surveys that ended without a score (expired, opted out, or two unreadable answers). */
  unscored: number;
}

export const emptyCounts = (): Counts => ({ histogram: {}, sent: 0, scored: 0, completed: 0, commented: 0, unscored: 0 });

export function addCounts(a: Counts, b: Counts): Counts {
  // Plain loops over the keys: spreading an integer-keyed object and converting entries cost more than the sums.
  const [from, more] = [a.histogram as Record<string, number>, b.histogram as Record<string, number>];
  const histogram: Record<string, number> = {};
  for (const score in from) histogram[score] = from[score]!;
  for (const score in more) histogram[score] = (histogram[score] ?? 0) + more[score]!;
  return {
    histogram,
    sent: a.sent + b.sent,
    scored: a.scored + b.scored,
    completed: a.completed + b.completed,
    commented: a.commented + b.commented,
    unscored: a.unscored + b.unscored,
  };
}

/** The funnel of some counts, as the rates read it. */
export function funnel(c: Counts): FunnelCounts {
  return { sent: c.sent, scored: c.scored, completed: c.completed, endedUnscored: c.unscored };
}

/** Counts keyed by kind, then week, then cohort ('all', 'tag:…'). */
export class RollupCounts {
  private readonly map = new Map<string, Counts>();

  get(kind: SurveyKind, week: string, cohort = 'all'): Counts {
    return this.map.get(`${kind}|${week}|${cohort}`) ?? emptyCounts();
  }

  /** Sum over several weeks. */
  sum(kind: SurveyKind, weeks: readonly string[], cohort = 'all'): Counts {
    if (weeks.length === 1) return this.get(kind, weeks[0]!, cohort);
    return weeks.reduce((total, week) => addCounts(total, this.get(kind, week, cohort)), emptyCounts());
  }

  cohorts(): string[] {
    return [...new Set([...this.map.keys()].map((k) => k.split('|')[2] ?? 'all'))].sort();
  }

  /** A stored cohort's week, all its counters at once. */
  addRow(row: RollupRow): void {
    const key = `${row.kind}|${row.week}|${row.cohort}`;
    const before = this.map.get(key);
    const counts: Counts = { histogram: row.scores, sent: row.sent, scored: row.scored, completed: row.completed, commented: row.commented, unscored: row.unscored };
    this.map.set(key, before ? addCounts(before, counts) : counts);
  }
}

/** The rollup counters of a week range; the cost depends on the number of counters, not of surveys. */
export async function readRollups(
  store: Store,
  businessId: string,
  weeks: { from: string; to: string },
  options: { allCohortOnly?: boolean; cohortPrefix?: string; kind?: SurveyKind } = {},
): Promise<RollupCounts> {
  const rows = await store.rollups.read(businessId, weeks, options);
  const counts = new RollupCounts();
  for (const row of rows) {
    if (!(surveyKinds as readonly string[]).includes(row.kind)) continue;
    counts.addRow(row);
  }
  return counts;
}

