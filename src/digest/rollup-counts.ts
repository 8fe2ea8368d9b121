import { surveyKinds, type SurveyKind } from '../dialogs/types.js';
import type { FunnelCounts } from '../scoring/index.js';
import type { Store } from '../store/index.js';

/** Counters of one (kind, week, cohort): the score histogram and the funnel. */
export interface Counts {
  histogram: Record<number, number>;
  sent: number;
  /** Surveys that got a score (the counter is named `started`). */
  started: number;
  completed: number;
  commented: number;
  /** Surveys still waiting for a score: not a counter but counted from the surveys, cohort 'all' only. */
  waiting: number;
}

export const emptyCounts = (): Counts => ({ histogram: {}, sent: 0, started: 0, completed: 0, commented: 0, waiting: 0 });

export function addCounts(a: Counts, b: Counts): Counts {
  const histogram: Record<number, number> = { ...a.histogram };
  for (const [score, count] of Object.entries(b.histogram)) histogram[Number(score)] = (histogram[Number(score)] ?? 0) + count;
  return {
    histogram,
    sent: a.sent + b.sent,
    started: a.started + b.started,
    completed: a.completed + b.completed,
    commented: a.commented + b.commented,
    waiting: a.waiting + b.waiting,
  };
}

/**
 * The funnel of some counts. No counter says how many surveys ended without a score, so it is what is
 * left of `sent` after the scored ones and those still waiting for a score. A survey is stored a moment
 * before its `sent` counter is, so a read in between can find one more waiting than sent: that is 0.
 */
export function funnel(c: Counts): FunnelCounts {
  return { sent: c.sent, scored: c.started, completed: c.completed, endedUnscored: Math.max(0, c.sent - c.started - c.waiting) };
}

/** Counts keyed by kind, then week, then cohort ('all', 'tag:…'). */
export class RollupCounts {
  private readonly map = new Map<string, Counts>();

  get(kind: SurveyKind, week: string, cohort = 'all'): Counts {
    return this.map.get(`${kind}|${week}|${cohort}`) ?? emptyCounts();
  }

  /** Sum over several weeks. */
  sum(kind: SurveyKind, weeks: readonly string[], cohort = 'all'): Counts {
    return weeks.reduce((total, week) => addCounts(total, this.get(kind, week, cohort)), emptyCounts());
  }

  cohorts(): string[] {
    return [...new Set([...this.map.keys()].map((k) => k.split('|')[2] ?? 'all'))].sort();
  }

  add(kind: string, week: string, cohort: string, metric: string, score: number | null, count: number): void {
    const key = `${kind}|${week}|${cohort}`;
    const c = this.map.get(key) ?? emptyCounts();
    if (metric === 'score' && score !== null) c.histogram[score] = (c.histogram[score] ?? 0) + count;
    else if (metric === 'sent' || metric === 'started' || metric === 'completed' || metric === 'commented' || metric === 'waiting') c[metric] += count;
    this.map.set(key, c);
  }
}

/**
 * Read the rollup counters of a week range with one `$match` + `$group`/`$sum`, the aggregation
 * every supported server runs. The cost depends on the number of counters, not of surveys; the
 * surveys still waiting for a score (open ones only) are counted the same way, into cohort 'all'.
 */
export async function readRollups(
  store: Store,
  businessId: string,
  weeks: { from: string; to: string },
  options: { allCohortOnly?: boolean } = {},
): Promise<RollupCounts> {
  const rows = await store.rollups.aggregate<{ _id: { kind: string; week: string; cohort: string; metric: string; score?: number | null }; count: number }>([
    { $match: { businessId, week: { $gte: weeks.from, $lte: weeks.to }, ...(options.allCohortOnly ? { cohort: 'all' } : {}) } },
    { $group: { _id: { kind: '$kind', week: '$week', cohort: '$cohort', metric: '$metric', score: '$score' }, count: { $sum: '$count' } } },
  ]);
  const waiting = await store.surveys.aggregate<{ _id: { kind: string; week: string }; count: number }>([
    { $match: { businessId, week: { $gte: weeks.from, $lte: weeks.to }, state: 'invited' } },
    { $group: { _id: { kind: '$kind', week: '$week' }, count: { $sum: 1 } } },
  ]);
  const counts = new RollupCounts();
  for (const { _id, count } of waiting) {
    if ((surveyKinds as readonly string[]).includes(_id.kind)) counts.add(_id.kind, _id.week, 'all', 'waiting', null, count);
  }
  for (const { _id, count } of rows) {
    if (!(surveyKinds as readonly string[]).includes(_id.kind)) continue;
    counts.add(_id.kind, _id.week, _id.cohort, _id.metric, typeof _id.score === 'number' ? _id.score : null, count);
  }
  return counts;
}

