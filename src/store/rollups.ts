import { Schema, type Connection } from 'mongoose';
import { modelOn, type AnyModel } from './model.js';
import type { CounterIncrement, WriteGuard } from './write-guard.js';
import { triggerFacts, type SurveyTrigger } from '../domain/surveys.js';

/**
 * Counters per (business, kind, week, cohort): a cache of the surveys, which are the truth. One
 * document holds a cohort's week — its funnel (`sent`, `scored`, `completed`, `commented`,
 * `unscored`) and its score histogram (`scores.<score>`) — so a report reads one document per cohort
 * and week, however many surveys were counted. While a week is open (`open`), each step adds to it
 * with plain `$inc`s; once all its surveys have ended, `recount` sets it from the surveys and marks it
 * closed. `_id` is the key.
 */
const rollupSchema = new Schema(
  {
    _id: { type: String, required: true },
    businessId: { type: String, required: true },
    kind: { type: String, required: true },
    week: { type: String, required: true },
    cohort: { type: String, required: true },
    sent: Number,
    scored: Number,
    completed: Number,
    commented: Number,
    unscored: Number,
    /** Answers per score, keyed by the score. */
    scores: { type: Schema.Types.Mixed },
    /** Set by every increment: the week has not been counted from its surveys since. */
    open: Boolean,
  },
  { versionKey: false, minimize: false },
);
rollupSchema.index({ businessId: 1, week: 1 });
// Reads of some cohorts (a prefix such as `tag:`, or 'all' alone) over weeks: only their keys are read,
// never the rows of the other cohorts of those weeks (products, places, events: they grow with use).
rollupSchema.index({ businessId: 1, cohort: 1, week: 1, kind: 1 });
// The sweeper's search for weeks to close.
rollupSchema.index({ open: 1, week: 1 });

const collection = 'week_counts';

/** `scored`: got a score; `unscored`: ended without one (expired, opted out, two unreadable answers). */
export type RollupMetric = 'sent' | 'scored' | 'completed' | 'commented' | 'unscored' | 'score';
type FunnelMetric = 'sent' | 'scored' | 'completed' | 'commented' | 'unscored';

export interface CounterKey {
  businessId: string;
  kind: string;
  week: string;
  tags?: readonly string[];
  channel?: string;
  /** `link`: the code of the survey link the survey was opened from. */
  context?: { product?: string; location?: string; staff?: string; link?: string };
  /** What other systems said happened to the customer shortly before the survey (`delivery.onTime=false`). */
  precededBy?: readonly string[];
  /** `YYYY-MM` of the customer's first purchase, when another system told us of one. */
  firstPurchaseMonth?: string;
  /** What started the survey: `web` is an anonymous web chat visitor, counted apart (`identity:`). */
  trigger?: string;
  /** The reason the customer chose (the business's optional reason question). */
  reason?: string;
}

/** `anonymous` for a survey an anonymous web chat visitor started, `identified` for every other (a customer the business named). */
export const identityOf = (trigger: string): 'anonymous' | 'identified' => (triggerFacts[trigger as SurveyTrigger]?.anonymous ? 'anonymous' : 'identified');

/**
 * A survey's respondent as the API, export and dashboard show it: identified once an anonymous
 * respondent left a contact. (The `identity:` cohort counters keep how the survey started.)
 */
export const identityOfSurvey = (s: { trigger: string; identifiedAt?: Date }): 'anonymous' | 'identified' => (s.identifiedAt ? 'identified' : identityOf(s.trigger));

/** The cohorts a survey counts in: all surveys, each tag, its channel, and its product, location, staff member and survey link. */
export function cohortsOf(key: Omit<CounterKey, 'businessId' | 'kind' | 'week'>): string[] {
  const cohorts = ['all', ...(key.tags ?? []).map((t) => `tag:${t}`)];
  if (key.channel) cohorts.push(`channel:${key.channel}`);
  for (const field of ['product', 'location', 'staff', 'link'] as const) {
    const value = key.context?.[field];
    if (value) cohorts.push(`${field}:${value}`);
  }
  for (const feature of key.precededBy ?? []) cohorts.push(`event:${feature}`);
  if (key.firstPurchaseMonth) cohorts.push(`first_purchase_month:${key.firstPurchaseMonth}`);
  if (key.trigger) cohorts.push(`identity:${identityOf(key.trigger)}`);
  if (key.reason) cohorts.push(`reason:${key.reason}`);
  return cohorts;
}

const counterId = (businessId: string, kind: string, week: string, cohort: string) => [businessId, kind, week, cohort].join('|');

/** What one survey's metrics add to a cohort's week: 1 on each funnel metric, and 1 on its score. */
function increments(metrics: readonly RollupMetric[], score?: number): Record<string, number> {
  const inc: Record<string, number> = {};
  for (const metric of metrics) {
    if (metric !== 'score') inc[metric] = 1;
    else if (score !== undefined) inc[`scores.${score}`] = 1;
  }
  return inc;
}

/** The counters one survey's metrics land on: one document for all surveys and one per cohort it belongs to. */
function counters(key: CounterKey, metrics: readonly RollupMetric[], score?: number, only?: string): CounterIncrement[] {
  const inc = increments(metrics, score);
  if (!Object.keys(inc).length) return [];
  return cohortsOf(key).filter((cohort) => only === undefined || cohort === only).map((cohort) => ({
    _id: counterId(key.businessId, key.kind, key.week, cohort),
    fields: { businessId: key.businessId, kind: key.kind, week: key.week, cohort },
    set: { open: true },
    inc,
  }));
}

/** One cohort's week: its funnel and its answers per score. */
export interface RollupRow {
  kind: string;
  week: string;
  cohort: string;
  sent: number;
  scored: number;
  completed: number;
  commented: number;
  unscored: number;
  scores: Record<number, number>;
}

/** `started`: what versions before the field was named `scored` counted there (see `migrate`). */
type StoredRollup = Partial<Record<FunnelMetric | 'started', number>> & { kind: string; week: string; cohort: string; scores?: Record<string, number> | null };

function rowOf(doc: StoredRollup): RollupRow {
  const scores: Record<number, number> = {};
  for (const [score, count] of Object.entries(doc.scores ?? {})) if (count) scores[Number(score)] = count;
  return {
    kind: doc.kind,
    week: doc.week,
    cohort: doc.cohort,
    sent: doc.sent ?? 0,
    // Both names: an instance of the previous version still running beside this one adds to `started`.
    scored: (doc.scored ?? 0) + (doc.started ?? 0),
    completed: doc.completed ?? 0,
    commented: doc.commented ?? 0,
    unscored: doc.unscored ?? 0,
    scores,
  };
}

/** The smallest string after every string that starts with `prefix`. */
const nextPrefix = (prefix: string) => prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);

export class RollupRepository {
  constructor(
    readonly model: AnyModel,
    private readonly guard: WriteGuard,
    private readonly surveys: AnyModel,
  ) {}

  static model(conn: Connection): AnyModel {
    return modelOn(conn, 'Rollup', rollupSchema, collection);
  }

  /**
   * Counters written before the scored count was named `scored` (it was `started`): renamed in one
   * update. A document that has both (the previous version added to one this had already renamed)
   * keeps both, and `read` adds them up until its week is recounted.
   */
  async migrate(): Promise<void> {
    await this.model.collection.updateMany({ started: { $exists: true }, scored: { $exists: false } }, { $rename: { started: 'scored' } });
  }

  /**
   * Add one survey's metrics to the counters of its week: one write, called only after the state
   * change that won. `only`: to that one cohort of the survey's (a cohort it joined after it was
   * counted, such as its reason, catches up on what the others counted before).
   */
  async add(key: CounterKey, metrics: readonly RollupMetric[], score?: number, only?: string): Promise<void> {
    await this.guard.increment(collection, counters(key, metrics, score, only));
  }

  /**
   * The counters of a week range, one row per (kind, week, cohort): a plain indexed read whose size
   * is weeks × cohorts, never the number of surveys.
   */
  async read(businessId: string, weeks: { from: string; to: string }, options: { allCohortOnly?: boolean; cohortPrefix?: string; kind?: string } = {}): Promise<RollupRow[]> {
    // The 'all' cohort and those under a prefix, as a range (`product:` ≤ cohort < `product;`): every server runs it.
    const cohort = options.allCohortOnly
      ? { cohort: 'all' }
      : options.cohortPrefix
        ? { $or: [{ cohort: 'all' }, { cohort: { $gte: options.cohortPrefix, $lt: nextPrefix(options.cohortPrefix) } }] }
        : {};
    // The raw collection: nothing here for mongoose to cast, and its query layer would double the read's time.
    const docs = await this.model.collection
      .find<StoredRollup>({ businessId, week: { $gte: weeks.from, $lte: weeks.to }, ...(options.kind ? { kind: options.kind } : {}), ...cohort }, { projection: { _id: 0, businessId: 0, open: 0 } })
      .toArray();
    return docs.map(rowOf);
  }

  /** Weeks before `beforeWeek` (inclusive) with counters still open, oldest first: what the sweeper tries to close. */
  async openWeeks(beforeWeek: string, limit: number): Promise<Array<{ businessId: string; week: string }>> {
    const docs = await this.model.collection
      // The 'all' cohort is one document per kind and week: weeks, not cohorts, fill the limit.
      .find<{ businessId: string; week: string }>({ open: true, week: { $lte: beforeWeek }, cohort: 'all' }, { projection: { _id: 0, businessId: 1, week: 1 } })
      .sort({ open: 1, week: 1 })
      .limit(limit)
      .toArray();
    const seen = new Map(docs.map((d) => [`${d.businessId}|${d.week}`, { businessId: d.businessId, week: d.week }]));
    return [...seen.values()];
  }

  /**
   * Set a week's counters from its surveys: one `$match` + `$group` over the week's surveys (indexed
   * by business and week), the cohorts worked out here from each group's tags, channel and context.
   * Counters the surveys no longer give are removed. `close`: the week's surveys have all ended, so
   * the week is marked closed (an increment that still arrives opens it again, to be recounted).
   */
  async recount(businessId: string, week: string, close: boolean): Promise<number> {
    const groups = await this.surveys.collection
      .aggregate<{ _id: SurveyGroup; n: number }>([{ $match: { businessId, week } }, { $group: { _id: groupKey, n: { $sum: 1 } } }])
      .toArray();
    const rows = new Map<string, Record<string, unknown> & { scores: Record<string, number> }>();
    for (const { _id: g, n } of groups) {
      const metrics: RollupMetric[] = ['sent'];
      if (typeof g.score === 'number') metrics.push('scored', 'score');
      if (g.state === 'completed') metrics.push('completed');
      if (g.commented === true) metrics.push('commented');
      if (g.abandonedAt === 'score') metrics.push('unscored');
      const key = { businessId, kind: g.kind, week, tags: g.tags ?? [], channel: g.channel, context: { product: g.product ?? undefined, location: g.location ?? undefined, staff: g.staff ?? undefined, link: g.link ?? undefined }, precededBy: g.precededBy ?? [], firstPurchaseMonth: g.firstPurchaseMonth ?? undefined, trigger: g.trigger ?? undefined, reason: g.reason ?? undefined };
      for (const c of counters(key, metrics, g.score ?? undefined)) {
        const row = rows.get(c._id) ?? { ...c.fields, open: !close, scores: {} };
        for (const [field, by] of Object.entries(c.inc)) {
          if (field.startsWith('scores.')) row.scores[field.slice(7)] = (row.scores[field.slice(7)] ?? 0) + by * n;
          else row[field] = ((row[field] as number | undefined) ?? 0) + by * n;
        }
        rows.set(c._id, row);
      }
    }
    const target = this.model.db.collection<{ _id: string }>(collection);
    const ops = [...rows].map(([_id, row]) => ({ replaceOne: { filter: { _id }, replacement: row as { _id?: string }, upsert: true } }));
    for (let i = 0; i < ops.length; i += 1000) await target.bulkWrite(ops.slice(i, i + 1000), { ordered: false });
    // Counters of cohorts no survey of the week is in any more (a count a step gave twice, say).
    const stale = (await target.find<{ _id: string }>({ businessId, week }, { projection: { _id: 1 } }).toArray()).filter((d) => !rows.has(d._id));
    if (stale.length) await target.deleteMany({ _id: { $in: stale.map((d) => d._id) } });
    return rows.size;
  }
}

/** A group of a week's surveys that count alike: same kind, outcome and cohorts. */
interface SurveyGroup {
  kind: string;
  state: string;
  score?: number | null;
  abandonedAt?: string | null;
  commented?: boolean | null;
  tags?: string[] | null;
  channel?: string;
  product?: string | null;
  location?: string | null;
  staff?: string | null;
  link?: string | null;
  precededBy?: string[] | null;
  firstPurchaseMonth?: string | null;
  trigger?: string | null;
  reason?: string | null;
}

const groupKey = {
  kind: '$kind',
  state: '$state',
  score: '$score',
  abandonedAt: '$abandonedAt',
  commented: '$commented',
  tags: '$tags',
  channel: '$channel',
  product: '$context.product',
  location: '$context.location',
  staff: '$context.staff',
  link: '$context.link',
  precededBy: '$precededBy',
  firstPurchaseMonth: '$firstPurchaseMonth',
  trigger: '$trigger',
  reason: '$reason',
};
