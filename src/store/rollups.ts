import { Schema, type Connection } from 'mongoose';
import { modelOn, type AnyModel } from './model.js';
import type { CounterIncrement, WriteGuard } from './write-guard.js';

/**
 * Counters per (business, kind, week, cohort, metric, score): the computed pattern. Digests and
 * stats read these few documents instead of scanning surveys. `_id` is the key, so `$inc` with
 * upsert is one atomic write.
 */
const rollupSchema = new Schema(
  {
    _id: { type: String, required: true },
    businessId: { type: String, required: true },
    kind: { type: String, required: true },
    week: { type: String, required: true },
    cohort: { type: String, required: true },
    metric: { type: String, enum: ['sent', 'started', 'completed', 'commented', 'unscored', 'score'], required: true },
    score: Number,
    count: { type: Number, default: 0 },
    /** Steps counted here and not yet settled by the sweeper: applying one again adds nothing. */
    steps: { type: [String], default: undefined },
  },
  { versionKey: false },
);
rollupSchema.index({ businessId: 1, week: 1 });

/** `started`: got a score; `unscored`: ended without one (expired, opted out, two unreadable answers). */
export type RollupMetric = 'sent' | 'started' | 'completed' | 'commented' | 'unscored' | 'score';

export interface CounterKey {
  businessId: string;
  kind: string;
  week: string;
  tags?: readonly string[];
  channel?: string;
  context?: { product?: string; location?: string; staff?: string };
  /** What other systems said happened to the customer shortly before the survey (`delivery.onTime=false`). */
  precededBy?: readonly string[];
  /** `YYYY-MM` of the customer's first purchase, when another system told us of one. */
  firstPurchaseMonth?: string;
}

/** The cohorts a survey counts in: all surveys, each tag, its channel, and its product, location and staff member. */
export function cohortsOf(key: Omit<CounterKey, 'businessId' | 'kind' | 'week'>): string[] {
  const cohorts = ['all', ...(key.tags ?? []).map((t) => `tag:${t}`)];
  if (key.channel) cohorts.push(`channel:${key.channel}`);
  for (const field of ['product', 'location', 'staff'] as const) {
    const value = key.context?.[field];
    if (value) cohorts.push(`${field}:${value}`);
  }
  for (const feature of key.precededBy ?? []) cohorts.push(`event:${feature}`);
  if (key.firstPurchaseMonth) cohorts.push(`first_purchase_month:${key.firstPurchaseMonth}`);
  return cohorts;
}

/** The counters one survey's metrics land on: once for all surveys and once per cohort it belongs to. */
function counters(key: CounterKey, metrics: readonly RollupMetric[], score?: number): CounterIncrement[] {
  const cohorts = cohortsOf(key);
  const list: CounterIncrement[] = [];
  for (const metric of metrics) {
    if (metric === 'score' && score === undefined) continue;
    const s = metric === 'score' ? score : undefined;
    for (const cohort of cohorts) {
      list.push({
        _id: [key.businessId, key.kind, key.week, cohort, metric, s ?? ''].join('|'),
        fields: { businessId: key.businessId, kind: key.kind, week: key.week, cohort, metric, ...(s !== undefined ? { score: s } : {}) },
      });
    }
  }
  return list;
}

export interface RollupRow {
  kind: string;
  week: string;
  cohort: string;
  metric: string;
  score: number | null;
  count: number;
}

/** The smallest string after every string that starts with `prefix`. */
const nextPrefix = (prefix: string) => prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);

export class RollupRepository {
  constructor(
    readonly model: AnyModel,
    private readonly guard: WriteGuard,
  ) {}

  static model(conn: Connection): AnyModel {
    return modelOn(conn, 'Rollup', rollupSchema, 'rollups');
  }

  /**
   * Add one survey's metrics to the counters of its week: one write. Called only after the state
   * change that won; with the step's name, applying it again (the sweeper, after a crash) adds nothing.
   */
  async add(key: CounterKey, metrics: readonly RollupMetric[], score?: number, step?: string): Promise<void> {
    await this.guard.increment('rollups', counters(key, metrics, score), step);
  }

  /** A step's counts are settled (its survey no longer owes them): the counters can forget it. */
  async settle(key: CounterKey, metrics: readonly RollupMetric[], score: number | undefined, step: string): Promise<void> {
    const ids = counters(key, metrics, score).map((c) => c._id);
    if (ids.length) await this.model.updateMany({ _id: { $in: ids } }, { $pull: { steps: step } });
  }


  /**
   * The counters of a week range summed per (kind, week, cohort, metric, score) with one `$match` +
   * `$group`/`$sum`, the aggregation every supported server runs. The cost depends on the number of
   * counters, not of surveys.
   */
  async read(businessId: string, weeks: { from: string; to: string }, options: { allCohortOnly?: boolean; cohortPrefix?: string; kind?: string } = {}): Promise<RollupRow[]> {
    // The 'all' cohort and those under a prefix, as a range (`product:` ≤ cohort < `product;`): every server runs it.
    const cohort = options.allCohortOnly
      ? { cohort: 'all' }
      : options.cohortPrefix
        ? { $or: [{ cohort: 'all' }, { cohort: { $gte: options.cohortPrefix, $lt: nextPrefix(options.cohortPrefix) } }] }
        : {};
    const rows = await this.model.aggregate<{ _id: { kind: string; week: string; cohort: string; metric: string; score?: number | null }; count: number }>([
      { $match: { businessId, week: { $gte: weeks.from, $lte: weeks.to }, ...(options.kind ? { kind: options.kind } : {}), ...cohort } },
      { $group: { _id: { kind: '$kind', week: '$week', cohort: '$cohort', metric: '$metric', score: '$score' }, count: { $sum: '$count' } } },
    ]);
    return rows.map(({ _id, count }) => ({ ..._id, score: typeof _id.score === 'number' ? _id.score : null, count }));
  }
}
