import { Schema, type Connection } from 'mongoose';
import { modelOn, type AnyModel } from './model.js';
import type { CounterIncrement, WriteGuard } from './write-guard.js';

/**
 * Counters per (business, kind, week, cohort): the computed pattern. One document holds a cohort's
 * week — its funnel (`sent`, `started`, `completed`, `commented`, `unscored`) and its score histogram
 * (`scores.<score>`) — so a report reads one document per cohort and week, however many surveys
 * were counted, and one survey's step is one `$inc` upsert per cohort it belongs to, atomic per
 * document. `_id` is the key.
 */
const rollupSchema = new Schema(
  {
    _id: { type: String, required: true },
    businessId: { type: String, required: true },
    kind: { type: String, required: true },
    week: { type: String, required: true },
    cohort: { type: String, required: true },
    sent: Number,
    started: Number,
    completed: Number,
    commented: Number,
    unscored: Number,
    /** Answers per score, keyed by the score. */
    scores: { type: Schema.Types.Mixed },
    /** Steps counted here and not yet settled by the sweeper: applying one again adds nothing. */
    steps: { type: [String], default: undefined },
  },
  { versionKey: false, minimize: false },
);
rollupSchema.index({ businessId: 1, week: 1 });

/** Where the counters live; before one document per cohort and week they were in `rollups`, one per metric and score. */
const collection = 'week_counts';
const formerCollection = 'rollups';

/** `started`: got a score; `unscored`: ended without one (expired, opted out, two unreadable answers). */
export type RollupMetric = 'sent' | 'started' | 'completed' | 'commented' | 'unscored' | 'score';
const funnelMetrics = ['sent', 'started', 'completed', 'commented', 'unscored'] as const;

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
  /** What started the survey: `web` is an anonymous web chat visitor, counted apart (`identity:`). */
  trigger?: string;
}

/** `anonymous` for a survey an anonymous web chat visitor started, `identified` for every other (a customer the business named). */
export const identityOf = (trigger: string): 'anonymous' | 'identified' => (trigger === 'web' ? 'anonymous' : 'identified');

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
  if (key.trigger) cohorts.push(`identity:${identityOf(key.trigger)}`);
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
function counters(key: CounterKey, metrics: readonly RollupMetric[], score?: number): CounterIncrement[] {
  const inc = increments(metrics, score);
  if (!Object.keys(inc).length) return [];
  return cohortsOf(key).map((cohort) => ({
    _id: counterId(key.businessId, key.kind, key.week, cohort),
    fields: { businessId: key.businessId, kind: key.kind, week: key.week, cohort },
    inc,
  }));
}

/** One cohort's week: its funnel and its answers per score. */
export interface RollupRow {
  kind: string;
  week: string;
  cohort: string;
  sent: number;
  started: number;
  completed: number;
  commented: number;
  unscored: number;
  scores: Record<number, number>;
}

type StoredRollup = Partial<Record<(typeof funnelMetrics)[number], number>> & { kind: string; week: string; cohort: string; scores?: Record<string, number> | null };

function rowOf(doc: StoredRollup): RollupRow {
  const scores: Record<number, number> = {};
  for (const [score, count] of Object.entries(doc.scores ?? {})) if (count) scores[Number(score)] = count;
  return {
    kind: doc.kind,
    week: doc.week,
    cohort: doc.cohort,
    sent: doc.sent ?? 0,
    started: doc.started ?? 0,
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
  ) {}

  static model(conn: Connection): AnyModel {
    return modelOn(conn, 'Rollup', rollupSchema, collection);
  }

  /**
   * Add one survey's metrics to the counters of its week: one write. Called only after the state
   * change that won; with the step's name, applying it again (the sweeper, after a crash) adds nothing.
   */
  async add(key: CounterKey, metrics: readonly RollupMetric[], score?: number, step?: string): Promise<void> {
    await this.guard.increment(collection, counters(key, metrics, score), step);
  }

  /** A step's counts are settled (its survey no longer owes them): the counters can forget it. */
  async settle(key: CounterKey, metrics: readonly RollupMetric[], score: number | undefined, step: string): Promise<void> {
    const ids = counters(key, metrics, score).map((c) => c._id);
    if (ids.length) await this.model.updateMany({ _id: { $in: ids } }, { $pull: { steps: step } });
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
      .find<StoredRollup>({ businessId, week: { $gte: weeks.from, $lte: weeks.to }, ...(options.kind ? { kind: options.kind } : {}), ...cohort }, { projection: { _id: 0, businessId: 0, steps: 0 } })
      .toArray();
    return docs.map(rowOf);
  }

  /**
   * Counters kept in the former layout (one document per metric and score, in `rollups`) are folded
   * into one document per cohort and week, then the former collection is dropped. The new documents
   * are set, not incremented, from the former ones, so a start cut short folds them again to the same
   * numbers. Steps still owed by a survey (`owedSteps`) are taken out of the former counts where they
   * were counted, and the sweeper counts them again whole: a step a crash left half-counted is then
   * neither lost nor counted twice. Runs before the server takes traffic.
   */
  async migrate(owedSteps: () => Promise<ReadonlySet<string>>): Promise<number> {
    const db = this.model.db.db!;
    // (Filtered here: not every server applies a listCollections filter.)
    const collections = await db.listCollections({}, { nameOnly: true }).toArray();
    if (!collections.some((c) => c.name === formerCollection)) return 0;
    const owed = await owedSteps();
    const folded = new Map<string, { fields: Record<string, unknown>; set: Record<string, number> }>();
    const cursor = db.collection<{ _id: string; businessId: string; kind: string; week: string; cohort: string; metric: string; score?: number; count?: number; steps?: string[] }>(formerCollection).find({});
    for await (const doc of cursor) {
      const count = (doc.count ?? 0) - (doc.steps ?? []).filter((s) => owed.has(s)).length;
      const field = doc.metric === 'score' && typeof doc.score === 'number' ? `scores.${doc.score}` : (funnelMetrics as readonly string[]).includes(doc.metric) ? doc.metric : undefined;
      if (!field) continue;
      const id = counterId(doc.businessId, doc.kind, doc.week, doc.cohort);
      const entry = folded.get(id) ?? { fields: { businessId: doc.businessId, kind: doc.kind, week: doc.week, cohort: doc.cohort }, set: {} };
      entry.set[field] = (entry.set[field] ?? 0) + count;
      folded.set(id, entry);
    }
    const ops = [...folded].map(([_id, { fields, set }]) => ({ updateOne: { filter: { _id }, update: { $set: { ...fields, ...set } }, upsert: true } }));
    const target = db.collection<{ _id: string }>(collection);
    for (let i = 0; i < ops.length; i += 1000) await target.bulkWrite(ops.slice(i, i + 1000), { ordered: false });
    // Another instance starting at the same time may have dropped it first.
    await db.dropCollection(formerCollection).catch((err: { code?: number }) => {
      if (err.code !== 26) throw err; // NamespaceNotFound
    });
    return ops.length;
  }
}
