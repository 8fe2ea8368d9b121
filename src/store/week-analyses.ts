import { mongo, Schema, type Connection } from 'mongoose';
import { weekKey } from '../domain/calendar.js';
import { modelOn, type AnyModel } from './model.js';

/**
 * Analyses of a business's week kept once computed (`week_analyses`), so an owner's report reads a
 * few small documents by `_id` however many surveys the weeks hold. What an analysis is belongs to
 * the code above the store; here it is an opaque value with what it was computed from:
 * - `inputs`: the week's counters when it was computed (the caller's fingerprint of them): an answer,
 *   a comment or a survey of the week changes them, so the analysis no longer matches;
 * - `startedAt`: when its computation began. What the counters do not show (an event recorded, two
 *   addresses made one person, a comment's next part joined, an import) sets `changedAt` on the
 *   analyses it may touch; one whose `changedAt` is after its `startedAt` is out of date. An erasure
 *   deletes the business's analyses: they hold words of comments and survey ids.
 * The week's notes (comment lists, detractors waiting for an answer) are kept the same way beside it
 * (part 'notes'), also out of date once an answer to one of the week's detractors sets `notesChangedAt`.
 * One document per (business, week): `_id` is `business|week`.
 */
const analysisSchema = new Schema(
  {
    _id: { type: String, required: true },
    businessId: { type: String, required: true },
    week: { type: String, required: true },
    inputs: String,
    startedAt: Date,
    changedAt: Date,
    analysis: { type: Schema.Types.Mixed },
    // The week's notes (comment lists, detractors waiting for an answer), kept the same way; an
    // answer to a detractor of the week sets `notesChangedAt`.
    notesInputs: String,
    notesStartedAt: Date,
    notesChangedAt: Date,
    notes: { type: Schema.Types.Mixed },
    // The week's answers when the analysis was computed, and when the sweeper last found it up to
    // date: the sweeper keeps large weeks' analyses fresh.
    answers: Number,
    checkedAt: Date,
    // When the analysis first went out of date through what the counters do not show (`changed`),
    // since its last computation: the sweeper computes such a large week again, closed or not.
    outdatedAt: Date,
  },
  { versionKey: false, minimize: false },
);
// Marking a business's weeks from one on as changed.
analysisSchema.index({ businessId: 1, week: 1 });
// The sweeper's large weeks still open whose analysis is getting old, and those of any week that
// something besides the counters made out of date.
analysisSchema.index({ week: 1, answers: 1, checkedAt: 1 });
analysisSchema.index({ outdatedAt: 1, answers: 1, checkedAt: 1 });

const collection = 'week_analyses';
/** Under MongoDB's 16 MiB document limit, with room for the rest of the document. */
export const maxKeptBytes = 15 * 2 ** 20;
const idOf = (businessId: string, week: string) => `${businessId}|${week}`;

/** How far before an event's time the analyses it may touch start: a survey answered after it may have been invited this long before. */
const eventReachMs = 60 * 86_400_000;

interface Stored {
  _id: string;
  week: string;
  inputs?: string;
  startedAt?: Date;
  changedAt?: Date;
  analysis?: unknown;
  notesInputs?: string;
  notesStartedAt?: Date;
  notesChangedAt?: Date;
  notes?: unknown;
  answers?: number;
  outdatedAt?: Date;
}

/** A week's kept analysis (or notes): whether it is still computed from the week's inputs, and when its computation began. */
export interface Kept<T> {
  value: T;
  /** What it was computed from (the caller's fingerprint of the week's counters). */
  inputs: string;
  upToDate: boolean;
  startedAt: Date;
  /** The week's answers as last seen (see `largeToCheck`). */
  answers: number;
  /** Since when something the counters do not show has made the analysis out of date (see `changed`); none for notes. */
  outdatedAt?: Date;
  /** Notes only: a detractor of the week got an answer since their computation began (see `replied`). */
  replied: boolean;
}

/** A business's week, as the sweeper's lists name it. */
export interface WeekOf {
  businessId: string;
  week: string;
}

/** What is kept per week: the analysis, and the notes (kept and marked out of date on their own). */
export type KeptPart = 'analysis' | 'notes';
const fields = {
  analysis: { value: 'analysis', inputs: 'inputs', startedAt: 'startedAt' },
  notes: { value: 'notes', inputs: 'notesInputs', startedAt: 'notesStartedAt' },
} as const;

/** Whether a kept part was computed from `inputs` and nothing it reads changed since its computation began. */
function upToDate(d: Stored, part: KeptPart, inputs: string | undefined): boolean {
  const f = fields[part];
  const startedAt = d[f.startedAt];
  const marks = part === 'notes' ? [d.changedAt, d.notesChangedAt] : [d.changedAt];
  return !!startedAt && d[f.inputs] === inputs && marks.every((m) => !m || m < startedAt);
}

/** Answers a week may hold and still be analysed while a report waits, by default (`ANALYSIS_LIVE_ANSWERS`). */
export const defaultLiveAnswers = 1_000;

export class WeekAnalysisRepository {
  /**
   * @param liveAnswers a week with more answers than this whose analysis is out of date is served its
   * last one, and the sweeper computes it again (see `weekAnalyses`).
   */
  constructor(
    readonly model: AnyModel,
    readonly liveAnswers = defaultLiveAnswers,
  ) {}

  static model(conn: Connection): AnyModel {
    return modelOn(conn, 'WeekAnalysis', analysisSchema, collection);
  }

  /**
   * The analyses (or notes) of these weeks still computed from `inputs[week]`, by week; a week missing
   * here must be computed. Only the part asked for is read (a week's notes are about as large as its
   * analysis, and the digest and the dashboard read each on its own).
   */
  async current<T>(businessId: string, inputs: ReadonlyMap<string, string>, part: KeptPart = 'analysis'): Promise<Map<string, T>> {
    const fresh = new Map<string, T>();
    for (const [week, k] of await this.kept<T>(businessId, inputs, part)) if (k.upToDate) fresh.set(week, k.value);
    return fresh;
  }

  /**
   * Every kept analysis (or notes) of these weeks, up to date with `inputs[week]` or not, by week;
   * of the value only `fieldsOfValue` when given and not empty (its top-level fields: the rest is not read).
   */
  async kept<T>(businessId: string, inputs: ReadonlyMap<string, string>, part: KeptPart = 'analysis', fieldsOfValue?: readonly string[]): Promise<Map<string, Kept<T>>> {
    const ids = [...inputs.keys()].map((week) => idOf(businessId, week));
    const f = fields[part];
    const value = fieldsOfValue?.length ? Object.fromEntries(fieldsOfValue.map((field) => [`${f.value}.${field}`, 1])) : { [f.value]: 1 };
    const projection = { week: 1, changedAt: 1, answers: 1, [f.inputs]: 1, [f.startedAt]: 1, ...value, ...(part === 'notes' ? { notesChangedAt: 1 } : { outdatedAt: 1 }) };
    // The raw collection: an opaque value, nothing for mongoose to cast.
    const docs = await this.model.collection.find<Stored>({ _id: { $in: ids } } as never, { projection }).toArray();
    const out = new Map<string, Kept<T>>();
    for (const d of docs) {
      const startedAt = d[f.startedAt];
      if (!startedAt || d[f.value] === undefined) continue;
      out.set(d.week, { value: d[f.value] as T, inputs: d[f.inputs] ?? '', upToDate: upToDate(d, part, inputs.get(d.week)), replied: part === 'notes' && !!d.notesChangedAt && d.notesChangedAt >= startedAt, startedAt, answers: d.answers ?? 0, ...(part === 'analysis' && d.outdatedAt ? { outdatedAt: d.outdatedAt } : {}) });
    }
    return out;
  }

  /**
   * Some weeks from `fromWeek` on (of every business) whose analysis was computed over more than
   * `minAnswers` answers and last found up to date before `checkedBefore`: the sweeper computes
   * each again if it is out of date, else marks it checked.
   */
  largeToCheck(fromWeek: string, minAnswers: number, checkedBefore: Date, limit: number): Promise<WeekOf[]> {
    return this.weeksWhere({ week: { $gte: fromWeek }, answers: { $gt: minAnswers }, checkedAt: { $lt: checkedBefore } }, limit);
  }

  /**
   * Some weeks of any age (of every business) whose analysis was computed over more than
   * `minAnswers` answers, that something besides the counters made out of date (`changed`: a late
   * event, two addresses made one person) by `now`, and last computed or checked before
   * `checkedBefore`: a closed week is not in `largeToCheck`, and the sweeper computes these too.
   */
  outdatedToCheck(minAnswers: number, checkedBefore: Date, now: Date, limit: number): Promise<WeekOf[]> {
    return this.weeksWhere({ outdatedAt: { $lte: now }, answers: { $gt: minAnswers }, checkedAt: { $lt: checkedBefore } }, limit);
  }

  /** Up to `limit` weeks (of every business) whose kept document matches `filter`. */
  private async weeksWhere(filter: Record<string, unknown>, limit: number): Promise<WeekOf[]> {
    const docs = await this.model.collection.find<Stored & WeekOf>(filter as never, { projection: { businessId: 1, week: 1 } }).limit(limit).toArray();
    return docs.map((d) => ({ businessId: d.businessId, week: d.week }));
  }

  /** Whether a week's kept analysis (or notes) is still computed from `inputs`: read without the value itself. */
  async isCurrent(businessId: string, week: string, inputs: string, part: KeptPart = 'analysis'): Promise<boolean> {
    const f = fields[part];
    const projection = { [f.inputs]: 1, [f.startedAt]: 1, changedAt: 1, ...(part === 'notes' ? { notesChangedAt: 1 } : {}) };
    const d = await this.model.collection.findOne<Stored>({ _id: idOf(businessId, week) } as never, { projection });
    return !!d && upToDate(d, part, inputs);
  }

  /** A report found the week grown to `answers` since its analysis: the sweeper looks at it as at a large week from now on. */
  async grew(businessId: string, week: string, answers: number): Promise<void> {
    await this.model.collection.updateOne({ _id: idOf(businessId, week) } as never, { $max: { answers } });
  }

  /**
   * A week's analysis was found up to date by a check that began at `at`. `wasOutdated`: it was found
   * through `outdatedToCheck`, and is no longer out of date since then unless a change came after `at`.
   */
  async checked(businessId: string, week: string, at: Date, wasOutdated = false): Promise<void> {
    const id = idOf(businessId, week);
    await this.model.collection.updateOne({ _id: id } as never, { $set: { checkedAt: at } });
    if (wasOutdated) await this.clearOutdated(id, at);
  }

  /** No longer out of date since some time, unless something changed from `since` on. */
  private async clearOutdated(id: string, since: Date): Promise<void> {
    await this.model.collection.updateOne({ _id: id, outdatedAt: { $lte: since }, $or: [{ changedAt: { $exists: false } }, { changedAt: { $lt: since } }] } as never, { $unset: { outdatedAt: '' } });
  }

  /** Keep a week's analysis (or notes), computed from `inputs` by a computation that began at `startedAt`; false when too large to keep. */
  async write(businessId: string, week: string, inputs: string, startedAt: Date, value: unknown, part: KeptPart = 'analysis', answers?: number): Promise<boolean> {
    // A week whose analysis outgrows a document (a vocabulary of some hundred thousand terms) is
    // not kept: every read computes it, as reports did before, rather than fail.
    if (mongo.BSON.calculateObjectSize({ value }) > maxKeptBytes) return false;
    const f = fields[part];
    // `changedAt` is left as it is: a change during the computation keeps the result out of date.
    await this.model.collection.updateOne({ _id: idOf(businessId, week) } as never, { $set: { businessId, week, [f.inputs]: inputs, [f.startedAt]: startedAt, [f.value]: value, ...(answers !== undefined ? { answers, checkedAt: startedAt } : {}) } }, { upsert: true });
    if (part === 'analysis') await this.clearOutdated(idOf(businessId, week), startedAt);
    return true;
  }

  /** A detractor of the week got the business's answer: the week's notes (who is waiting) are out of date. */
  async replied(businessId: string, week: string): Promise<void> {
    await this.model.collection.updateOne({ _id: idOf(businessId, week) } as never, { $set: { notesChangedAt: new Date() } });
  }

  /**
   * Something the analyses read besides the counters changed: those of the business's weeks from
   * `from`'s (every week when no time is given) are out of date, and `outdatedAt` keeps since when
   * (the first such change since each one's computation). Marked with this process's clock, as
   * `startedAt` is: a change is seen unless two instances' clocks differ by more than a computation.
   */
  async changed(businessId: string, from?: Date): Promise<void> {
    const now = new Date();
    const week = from ? { week: { $gte: weekKey(new Date(from.getTime() - eventReachMs), 'UTC') } } : {};
    await this.model.collection.updateMany({ businessId, ...week }, { $set: { changedAt: now }, $min: { outdatedAt: now } });
  }

  /**
   * Comments were erased: the business's analyses go (their terms and quote ids came from those
   * comments), to be computed again without them by the next read or the week's close.
   */
  async erased(businessId: string): Promise<void> {
    await this.model.collection.deleteMany({ businessId });
  }
}

/** What a repository calls when it changes something the week analyses read. */
export type AnalysisInputs = Pick<WeekAnalysisRepository, 'changed' | 'erased' | 'replied'>;
