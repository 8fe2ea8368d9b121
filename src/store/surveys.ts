import { Schema, Types, type Connection } from 'mongoose';
import { modelOn, type AnyModel } from './model.js';
import type { DialogSession, DialogState } from '../dialogs/types.js';
import type { ChannelName, Outbound } from '../domain/channels.js';
import type { Band, Locale, SurveyKind } from '../domain/surveys.js';
import type { RollupMetric } from './rollups.js';
import { surveyWebhookEvents, type SurveyWebhookEvent } from './webhooks.js';
import type { WriteGuard } from './write-guard.js';
import { isDuplicateKey } from './write-guard.js';

/**
 * One survey invitation and its whole dialog. `openKey` is `business:channel:address` while the
 * survey is open and `closed:<id>` after, so a unique index allows one open survey per customer
 * and channel without partial indexes (which not every MongoDB-compatible server has).
 */
const surveySchema = new Schema(
  {
    businessId: { type: String, required: true },
    customerId: { type: Schema.Types.ObjectId, required: true },
    channel: { type: String, required: true },
    address: { type: String, required: true },
    kind: { type: String, enum: ['nps', 'csat', 'ces'], required: true },
    state: { type: String, enum: ['invited', 'awaiting_comment', 'completed', 'expired', 'opted_out'], required: true },
    openKey: { type: String, required: true },
    locale: { type: String, required: true },
    vars: { business: String, customerName: String, context: String },
    /** `link`: the customer opened a deep link (Telegram `/start <token>`). */
    trigger: { type: String, enum: ['api', 'command', 'web', 'schedule', 'link'], required: true },
    score: Number,
    band: { type: String, enum: ['detractor', 'passive', 'promoter'] },
    comment: String,
    reprompts: { type: Number, default: 0 },
    invitedAt: { type: Date, required: true },
    remindedAt: Date,
    answeredAt: Date,
    completedAt: Date,
    endedAt: Date,
    abandonedAt: { type: String, enum: ['score', 'comment'] },
    /** ISO week (Monday, business time zone) of the invitation: the rollup period. */
    week: { type: String, required: true },
    tags: { type: [String], default: [] },
    /** What the survey is about (the purchase, the visit): cohorts `product:…`, `location:…`, `staff:…` count it. */
    context: { product: String, order: String, location: String, staff: String },
    /** Features of the customer's events in the 30 days before the survey started: its `event:` cohorts. */
    precededBy: { type: [String], default: undefined },
    firstPurchaseMonth: String,
    /** Provider ids of the inbound messages this survey consumed (newest last): a redelivery finds its id here. */
    inbound: { type: [String], default: [] },
    /** Owner alerts this state still owes (`scored`, `commented`), written with the state; cleared once queued. */
    alertsDue: { type: [String], default: undefined },
    /** Outbound webhook events this state still owes (`survey.scored`…), written with the state; cleared once queued. */
    webhooksDue: { type: [String], default: undefined },
    /**
     * Counter increments a step owes, written with the state; the sweeper re-applies them (counters
     * skip a step they already have) and clears them, so a crash between the two writes loses no count.
     */
    countsDue: [{ _id: false, step: { type: String, required: true }, metrics: [String], score: Number, at: Date }],
    /** The replies to `messageId`, kept until the adapter confirms it delivered them. */
    pendingReply: { messageId: String, replies: Schema.Types.Mixed },
    /** Messages this state still owes the customer (a reminder), written with it; cleared once queued. */
    sendsDue: { type: Schema.Types.Mixed, default: undefined },
    /** When a sweeper took this survey's owed counts to settle them: one settler at a time. */
    countsTakenAt: Date,
    /** Answers from the business to this customer (`/reply`), oldest first: the closed loop. */
    replies: [{ _id: false, text: { type: String, required: true }, at: { type: Date, required: true }, by: { type: String, required: true } }],
    firstReplyAt: Date,
    /** Milliseconds from the score to the first reply. */
    timeToFirstReplyMs: Number,
    /** Incremented by every state change; a change applies only to the revision it was computed from. */
    rev: { type: Number, default: 0 },
  },
  { timestamps: true, versionKey: false },
);
surveySchema.index({ openKey: 1 }, { unique: true });
// The newest surveys of one address: the open one and the one before, for answers and redeliveries.
surveySchema.index({ businessId: 1, channel: 1, address: 1, invitedAt: -1 });
surveySchema.index({ state: 1, invitedAt: 1 });
surveySchema.index({ businessId: 1, customerId: 1, invitedAt: -1 });
// Exports: a business's surveys oldest first, without sorting them all in memory.
surveySchema.index({ businessId: 1, invitedAt: 1, _id: 1 });
surveySchema.index({ alertsDue: 1 });
surveySchema.index({ webhooksDue: 1 });
surveySchema.index({ 'countsDue.step': 1 });
// Digest: comments of a week by score, and detractors still waiting for an answer.
surveySchema.index({ businessId: 1, week: 1, kind: 1, score: 1 });
surveySchema.index({ businessId: 1, band: 1, firstReplyAt: 1 });
// The API's survey list: one business's surveys, newest first, paged by _id.
surveySchema.index({ businessId: 1, _id: -1 });
// Insights: the scored surveys of a period.
surveySchema.index({ businessId: 1, answeredAt: 1 });

export type SurveyState = DialogState;

/** What a survey is about, given when it starts; each field is also a rollup cohort. */
export interface SurveyContext {
  product?: string;
  order?: string;
  location?: string;
  staff?: string;
}

/** A scored survey as the analyses read it: a lean projection, no dialog internals. */
export interface ScoredSurvey {
  id: string;
  customerId: string;
  channel: ChannelName;
  kind: SurveyKind;
  score: number;
  band: Band;
  comment?: string;
  locale: Locale;
  answeredAt: Date;
  week: string;
  context: SurveyContext;
}
export type SurveyTrigger = 'api' | 'command' | 'web' | 'schedule' | 'link';
export type AlertEvent = 'scored' | 'commented';

/** The counters one step owes: `step` names the step (survey id and the revision it moved from). */
export interface CountsOwed {
  step: string;
  metrics: RollupMetric[];
  score?: number;
  /** When the step was written: the sweeper settles only steps old enough that their own writer is done or gone. */
  at: Date;
}

/** The dialog part of a survey: what `dialogs.step` reads and writes. */
export type SurveyDialogFields = DialogSession;

export interface SurveyRecord extends SurveyDialogFields {
  id: string;
  businessId: string;
  customerId: string;
  channel: ChannelName;
  address: string;
  trigger: SurveyTrigger;
  band?: Band;
  week: string;
  tags: string[];
  context?: SurveyContext;
  precededBy?: string[];
  firstPurchaseMonth?: string;
  inbound: string[];
  alertsDue: AlertEvent[];
  webhooksDue: SurveyWebhookEvent[];
  countsDue: CountsOwed[];
  pendingReply?: { messageId: string; replies: Outbound[] };
  sendsDue: Outbound[];
  replies: Array<{ text: string; at: Date; by: string }>;
  firstReplyAt?: Date;
  timeToFirstReplyMs?: number;
  rev: number;
}

/** Which surveys an export reads: one kind, invited from `from` (inclusive) to `to` (exclusive). */
export interface SurveyFilters {
  kind?: SurveyKind;
  from?: Date;
  to?: Date;
}

export type NewSurvey = Omit<SurveyRecord, 'id' | 'inbound' | 'alertsDue' | 'webhooksDue' | 'countsDue' | 'pendingReply' | 'sendsDue' | 'replies' | 'rev' | 'band'> & { id?: string };

const openStates: SurveyState[] = ['invited', 'awaiting_comment'];
const isOpenState = (state: SurveyState) => openStates.includes(state);

/** What an erased address becomes: in no channel's address format, so nothing is ever sent to it. */
export const erasedAddress = '#erased';

export const openKeyOf = (businessId: string, channel: string, address: string) => `${businessId}:${channel}:${address}`;

type Doc = Record<string, unknown> & { _id: Types.ObjectId; customerId: Types.ObjectId };

function contextOf(raw: unknown): SurveyContext {
  const c = (raw ?? {}) as Record<string, unknown>;
  const out: SurveyContext = {};
  for (const k of ['product', 'order', 'location', 'staff'] as const) if (typeof c[k] === 'string') out[k] = c[k];
  return out;
}

const scoredProjection = { customerId: 1, channel: 1, kind: 1, score: 1, band: 1, comment: 1, locale: 1, answeredAt: 1, week: 1, context: 1 };

function toScored(d: Doc): ScoredSurvey {
  return {
    id: d._id.toString(),
    customerId: d.customerId.toString(),
    channel: d.channel as ChannelName,
    kind: d.kind as SurveyKind,
    score: d.score as number,
    band: d.band as Band,
    ...(typeof d.comment === 'string' ? { comment: d.comment } : {}),
    locale: d.locale as Locale,
    answeredAt: d.answeredAt as Date,
    week: d.week as string,
    context: contextOf(d.context),
    ...(Array.isArray(d.precededBy) && d.precededBy.length ? { precededBy: d.precededBy as string[] } : {}),
    ...(typeof d.firstPurchaseMonth === 'string' ? { firstPurchaseMonth: d.firstPurchaseMonth } : {}),
  };
}

function toRecord(d: Doc): SurveyRecord {
  const opt = <T>(v: unknown) => (v === null || v === undefined ? undefined : (v as T));
  const vars = (d.vars ?? {}) as Record<string, string | null | undefined>;
  return {
    id: d._id.toString(),
    businessId: d.businessId as string,
    customerId: d.customerId.toString(),
    channel: d.channel as ChannelName,
    address: d.address as string,
    kind: d.kind as SurveyKind,
    state: d.state as SurveyState,
    locale: d.locale as Locale,
    vars: { business: vars.business ?? '', customerName: vars.customerName ?? undefined, context: vars.context ?? undefined },
    trigger: d.trigger as SurveyTrigger,
    score: opt(d.score),
    band: opt(d.band),
    comment: opt(d.comment),
    reprompts: (d.reprompts as number | undefined) ?? 0,
    invitedAt: d.invitedAt as Date,
    remindedAt: opt(d.remindedAt),
    answeredAt: opt(d.answeredAt),
    completedAt: opt(d.completedAt),
    endedAt: opt(d.endedAt),
    abandonedAt: opt(d.abandonedAt),
    week: d.week as string,
    tags: (d.tags as string[] | undefined) ?? [],
    ...(d.context ? { context: contextOf(d.context) } : {}),
    inbound: (d.inbound as string[] | undefined) ?? [],
    alertsDue: (d.alertsDue as AlertEvent[] | undefined) ?? [],
    webhooksDue: (d.webhooksDue as SurveyWebhookEvent[] | undefined) ?? [],
    countsDue: ((d.countsDue as Array<Record<string, unknown>> | undefined) ?? []).map((c) => ({
      step: c.step as string,
      metrics: (c.metrics as RollupMetric[] | undefined) ?? [],
      ...(typeof c.score === 'number' ? { score: c.score } : {}),
      at: c.at as Date,
    })),
    pendingReply: opt<{ messageId: string; replies: Outbound[] }>(d.pendingReply),
    sendsDue: (d.sendsDue as Outbound[] | undefined) ?? [],
    replies: (d.replies as SurveyRecord['replies'] | undefined) ?? [],
    firstReplyAt: opt(d.firstReplyAt),
    timeToFirstReplyMs: opt(d.timeToFirstReplyMs),
    rev: (d.rev as number | undefined) ?? 0,
  };
}

export interface SurveyFilter {
  kind?: SurveyKind;
  channel?: ChannelName;
  state?: SurveyState;
  band?: Band;
  tag?: string;
  customerId?: string;
  /** invitedAt at or after. */
  from?: Date;
  /** invitedAt before. */
  to?: Date;
}

/** What a survey list shows: not the dialog's bookkeeping (consumed message ids, owed counts and sends). */
const listProjection = { inbound: 0, countsDue: 0, pendingReply: 0, sendsDue: 0, alertsDue: 0, openKey: 0, countsTakenAt: 0 };

const objectId = (id: string) => (Types.ObjectId.isValid(id) && /^[a-f0-9]{24}$/i.test(id) ? new Types.ObjectId(id) : undefined);

/** Surveys: the one collection every reply writes, once. */
export class SurveyRepository {
  constructor(
    readonly model: AnyModel,
    private readonly guard: WriteGuard,
  ) {}

  static model(conn: Connection): AnyModel {
    return modelOn(conn, 'Survey', surveySchema, 'surveys');
  }

  /** Insert a new open survey; when this address already has one open, say which instead. */
  async insert(survey: NewSurvey): Promise<{ inserted: string } | { alreadyOpen: string | undefined }> {
    const _id = survey.id ? new Types.ObjectId(survey.id) : new Types.ObjectId();
    const openKey = openKeyOf(survey.businessId, survey.channel, survey.address);
    const { id: _given, customerId, ...fields } = survey;
    try {
      await this.model.create({ ...fields, _id, customerId: new Types.ObjectId(customerId), openKey });
      return { inserted: _id.toString() };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const open = await this.model.findOne({ openKey }, { _id: 1 }).lean<{ _id: Types.ObjectId }>();
      return { alreadyOpen: open?._id.toString() };
    }
  }

  /**
   * The newest two surveys of an address, newest first: the open one (if any) and the one before it,
   * so a redelivered message is recognised even after its survey closed and another opened.
   */
  async latest(businessId: string, channel: ChannelName, address: string): Promise<SurveyRecord[]> {
    const docs = await this.model.find({ businessId, channel, address }).sort({ invitedAt: -1 }).limit(2).lean<Doc[]>();
    return docs.map(toRecord);
  }

  async open(businessId: string, channel: ChannelName, address: string): Promise<SurveyRecord | undefined> {
    const doc = await this.model.findOne({ openKey: openKeyOf(businessId, channel, address) }).lean<Doc>();
    return doc ? toRecord(doc) : undefined;
  }

  /** The comments of these surveys of a business, in one read (a theme's quotes). */
  async comments(businessId: string, ids: readonly string[]): Promise<Array<{ surveyId: string; customerId: string; text: string }>> {
    const _ids = ids.flatMap((id) => objectId(id) ?? []);
    const docs = await this.model.find({ businessId, _id: { $in: _ids }, comment: { $type: 'string' } }, { customerId: 1, comment: 1 }).lean<Doc[]>();
    const byId = new Map(docs.map((d) => [d._id.toString(), { surveyId: d._id.toString(), customerId: String(d.customerId), text: d.comment as string }]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async byId(id: string, businessId?: string): Promise<SurveyRecord | undefined> {
    const _id = objectId(id);
    if (!_id) return undefined;
    const doc = await this.model.findOne({ _id, ...(businessId ? { businessId } : {}) }).lean<Doc>();
    return doc ? toRecord(doc) : undefined;
  }

  /**
   * Move a survey on from the revision it was read at: ONE atomic write that sets the new dialog
   * state, records the provider message id that caused it (if any) and the owner alerts and webhook
   * events it owes.
   * Applies only if the survey is still at `from.rev` and has not consumed `messageId` yet; returns
   * the new state, or null when another writer got there first.
   */
  async transition(
    from: SurveyRecord,
    next: SurveyDialogFields & { band?: Band },
    cause: { messageId?: string; alerts?: AlertEvent[]; webhooks?: SurveyWebhookEvent[]; counts?: CountsOwed; reply?: Outbound[]; sends?: Outbound[] } = {},
  ): Promise<SurveyRecord | null> {
    const _id = new Types.ObjectId(from.id);
    const closed = !isOpenState(next.state);
    const unset: string[] = (['score', 'band', 'comment', 'remindedAt', 'answeredAt', 'completedAt', 'endedAt', 'abandonedAt'] as const).filter((k) => next[k] === undefined);
    // Only the dialog's own fields (a caller may pass a whole record): the rest is the write's to change.
    const fields = ['kind', 'state', 'locale', 'vars', 'score', 'band', 'comment', 'reprompts', 'invitedAt', 'remindedAt', 'answeredAt', 'completedAt', 'endedAt', 'abandonedAt'] as const;
    const set: Record<string, unknown> = { ...(closed ? { openKey: `closed:${from.id}` } : {}) };
    for (const k of fields) if (next[k] !== undefined) set[k] = next[k];
    // A step's replies wait for the adapter's receipt; any other step drops an older unconfirmed one.
    if (cause.messageId && cause.reply) set.pendingReply = { messageId: cause.messageId, replies: cause.reply };
    else unset.push('pendingReply');
    // Messages owed by this state (a reminder); any later change of state makes older ones moot.
    if (cause.sends?.length) set.sendsDue = cause.sends;
    else unset.push('sendsDue');
    const update: Record<string, unknown> = { $set: set, $inc: { rev: 1 } };
    if (unset.length) update.$unset = Object.fromEntries(unset.map((k) => [k, 1]));
    const push: Record<string, unknown> = {};
    if (cause.messageId) push.inbound = cause.messageId;
    if (cause.counts?.metrics.length) push.countsDue = cause.counts;
    if (Object.keys(push).length) update.$push = push;
    const owed: Record<string, unknown> = {};
    if (cause.alerts?.length) owed.alertsDue = { $each: cause.alerts };
    if (cause.webhooks?.length) owed.webhooksDue = { $each: cause.webhooks };
    if (Object.keys(owed).length) update.$addToSet = owed;
    const filter = { _id, rev: from.rev, ...(cause.messageId ? { inbound: { $ne: cause.messageId } } : {}) };
    const doc = await this.guard.exclusive({ collection: 'surveys', id: from.id, version: from.rev }, () =>
      this.model.findOneAndUpdate(filter, update, { returnDocument: 'after' }).lean<Doc>(),
    );
    return doc ? toRecord(doc) : null;
  }

  /** Open surveys invited before `before` (expiry), oldest first. */
  async openInvitedBefore(before: Date, limit: number): Promise<string[]> {
    const docs = await this.model.find({ state: { $in: openStates }, invitedAt: { $lte: before } }, { _id: 1 }).limit(limit).lean<Doc[]>();
    return docs.map((d) => d._id.toString());
  }

  /** Surveys still waiting for a score, not reminded yet, invited before `before`. */
  async unremindedBefore(before: Date, limit: number): Promise<string[]> {
    const docs = await this.model.find({ state: 'invited', remindedAt: null, invitedAt: { $lte: before } }, { _id: 1 }).limit(limit).lean<Doc[]>();
    return docs.map((d) => d._id.toString());
  }

  /** Surveys that owe owner alerts (a crash came between the answer and queueing them). */
  async withAlertsDue(limit: number): Promise<string[]> {
    const docs = await this.model.find({ alertsDue: { $in: ['scored', 'commented'] } }, { _id: 1 }).limit(limit).lean<Doc[]>();
    return docs.map((d) => d._id.toString());
  }

  /** Surveys that owe webhook events (a crash came between the change and queueing them). */
  async withWebhooksDue(limit: number): Promise<string[]> {
    const docs = await this.model.find({ webhooksDue: { $in: surveyWebhookEvents } }, { _id: 1 }).limit(limit).lean<Doc[]>();
    return docs.map((d) => d._id.toString());
  }

  async clearWebhooks(id: string, events: SurveyWebhookEvent[]): Promise<void> {
    await this.guard.single({ collection: 'surveys', id }, () => this.model.updateOne({ _id: new Types.ObjectId(id) }, { $pullAll: { webhooksDue: events } }));
  }

  /** The adapter delivered the replies to `messageId`: a redelivery of it gets nothing again. */
  async confirmReply(id: string, messageId: string): Promise<void> {
    await this.guard.single({ collection: 'surveys', id }, () => this.model.updateOne({ _id: new Types.ObjectId(id), 'pendingReply.messageId': messageId }, { $unset: { pendingReply: 1 } }));
  }

  /** The replies to `messageId` must not go out any more (the person opted out): a redelivery of it gets nothing. */
  async dropPendingReply(id: string, messageId: string): Promise<void> {
    await this.guard.single({ collection: 'surveys', id }, () => this.model.updateOne({ _id: new Types.ObjectId(id), 'pendingReply.messageId': messageId }, { $unset: { pendingReply: 1 } }));
  }

  /** Surveys with counter increments owed since before `before` (the sweeper settles them). */
  async withCountsDue(before: Date, limit: number): Promise<SurveyRecord[]> {
    const docs = await this.model.find({ countsDue: { $elemMatch: { at: { $lt: before } } } }).limit(limit).lean<Doc[]>();
    return docs.map(toRecord);
  }

  /** The steps whose counts some survey still owes (a start-up migration of the counters reads them). */
  async owedCountSteps(): Promise<Set<string>> {
    const docs = await this.model.find({ 'countsDue.0': { $exists: true } }, { countsDue: 1 }).lean<Array<{ countsDue: Array<{ step: string }> }>>();
    return new Set(docs.flatMap((d) => d.countsDue.map((c) => c.step)));
  }

  /**
   * Take this survey's owed counts to settle them: one sweeper at a time (a settler that died lets go
   * after `leaseMs`). Returns what it owes now, or undefined when another settler has it.
   */
  async takeCounts(id: string, now: Date, leaseMs: number): Promise<SurveyRecord | undefined> {
    const _id = new Types.ObjectId(id);
    const free = { $or: [{ countsTakenAt: null }, { countsTakenAt: { $lt: new Date(now.getTime() - leaseMs) } }] };
    const doc = await this.guard.exclusive({ collection: 'surveys', id, version: `counts@${Math.floor(now.getTime() / leaseMs)}` }, () =>
      this.model.findOneAndUpdate({ _id, ...free }, { $set: { countsTakenAt: now } }, { returnDocument: 'after' }).lean<Doc>(),
    );
    return doc ? toRecord(doc) : undefined;
  }

  /** Surveys owing the customer a message (a reminder whose queueing a crash cut off). */
  async withSendsDue(limit: number): Promise<SurveyRecord[]> {
    const docs = await this.model.find({ 'sendsDue.0': { $exists: true } }).limit(limit).lean<Doc[]>();
    return docs.map(toRecord);
  }

  async clearSends(id: string): Promise<void> {
    await this.guard.single({ collection: 'surveys', id }, () => this.model.updateOne({ _id: new Types.ObjectId(id) }, { $unset: { sendsDue: 1 } }));
  }

  async releaseCounts(id: string): Promise<void> {
    await this.guard.single({ collection: 'surveys', id }, () => this.model.updateOne({ _id: new Types.ObjectId(id) }, { $unset: { countsTakenAt: 1 } }));
  }

  async clearCounts(id: string, step: string): Promise<void> {
    await this.guard.single({ collection: 'surveys', id }, () => this.model.updateOne({ _id: new Types.ObjectId(id) }, { $pull: { countsDue: { step } } }));
  }

  async clearAlerts(id: string, events: AlertEvent[]): Promise<void> {
    await this.guard.single({ collection: 'surveys', id }, () => this.model.updateOne({ _id: new Types.ObjectId(id) }, { $pullAll: { alertsDue: events } }));
  }

  /** The business's answer to the customer, and the time to the first one. */
  async addReply(survey: SurveyRecord, reply: { text: string; at: Date; by: string }): Promise<void> {
    const _id = new Types.ObjectId(survey.id);
    const since = survey.answeredAt ?? survey.invitedAt;
    await this.guard.single({ collection: 'surveys', id: survey.id }, async () => {
      await this.model.updateOne({ _id }, { $push: { replies: reply } });
      await this.model.updateOne({ _id, firstReplyAt: null }, { $set: { firstReplyAt: reply.at, timeToFirstReplyMs: reply.at.getTime() - since.getTime() } });
    });
  }

  async hasAny(businessId: string, customerId: string): Promise<boolean> {
    return (await this.model.exists({ businessId, customerId: new Types.ObjectId(customerId) })) !== null;
  }

  /** The week's commented surveys of one kind, lowest (1) or highest (-1) scores first. */
  async commented(businessId: string, week: string, kind: SurveyKind, direction: 1 | -1, limit: number): Promise<SurveyRecord[]> {
    const docs = await this.model
      .find({ businessId, week, kind, score: { $ne: null }, comment: { $type: 'string' } })
      .sort({ score: direction, _id: 1 })
      .limit(limit)
      .lean<Doc[]>();
    return docs.map(toRecord);
  }

  /** Detractors of a week still waiting for the business's answer: a few of them, and how many. */
  async unansweredDetractors(businessId: string, week: string, limit: number): Promise<{ count: number; surveys: SurveyRecord[] }> {
    const filter = { businessId, week, band: 'detractor', firstReplyAt: null };
    const docs = await this.model.find(filter).sort({ _id: 1 }).limit(limit).lean<Doc[]>();
    return { count: await this.model.countDocuments(filter), surveys: docs.map(toRecord) };
  }

  /** Detractors of these weeks and kind nobody has answered yet, newest first (the dashboard's reply list). */
  async waitingForReply(businessId: string, kind: string, weeks: { from: string; to: string }, limit: number): Promise<{ count: number; surveys: SurveyRecord[] }> {
    const filter = { businessId, kind, week: { $gte: weeks.from, $lte: weeks.to }, band: 'detractor', firstReplyAt: null };
    const docs = await this.model.find(filter).sort({ _id: -1 }).limit(limit).lean<Doc[]>();
    return { count: await this.model.countDocuments(filter), surveys: docs.map(toRecord) };
  }

  /**
   * One page of a business's surveys, newest first: those matching `filter`, with an `_id` below
   * `before` (the last id of the previous page). Reads only what the API shows.
   */
  async page(businessId: string, filter: SurveyFilter, before: string | undefined, limit: number): Promise<SurveyRecord[]> {
    const query: Record<string, unknown> = { businessId };
    for (const k of ['kind', 'channel', 'state', 'band'] as const) if (filter[k]) query[k] = filter[k];
    if (filter.tag) query.tags = filter.tag;
    if (filter.customerId) query.customerId = objectId(filter.customerId) ?? new Types.ObjectId('0'.repeat(24));
    if (filter.from || filter.to) query.invitedAt = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lt: filter.to } : {}) };
    const after = before ? objectId(before) : undefined;
    if (after) query._id = { $lt: after };
    const docs = await this.model.find(query, listProjection).sort({ _id: -1 }).limit(limit).lean<Doc[]>();
    return docs.map(toRecord);
  }

  /** The surveys of these customers, or sent to these addresses, oldest first (one person's, for export and erasure). */
  async ofPerson(businessId: string, customerIds: readonly string[], addresses: ReadonlyArray<{ channel: string; address: string }>): Promise<SurveyRecord[]> {
    const or = [{ customerId: { $in: customerIds.map((id) => new Types.ObjectId(id)) } }, ...addresses.map((a) => ({ channel: a.channel, address: a.address }))];
    const docs = await this.model.find({ businessId, $or: or }).sort({ invitedAt: 1, _id: 1 }).lean<Doc[]>();
    return docs.map(toRecord);
  }

  /** Every survey of some customers (one person's addresses), oldest first. */
  async ofCustomers(businessId: string, customerIds: readonly string[]): Promise<SurveyRecord[]> {
    // Without the dialog's bookkeeping (message ids, owed counts and sends): a timeline shows none of it.
    const internals = { inbound: 0, alertsDue: 0, countsDue: 0, pendingReply: 0, sendsDue: 0, countsTakenAt: 0 };
    const docs = await this.model.find({ businessId, customerId: { $in: customerIds.map((id) => new Types.ObjectId(id)) } }, internals).sort({ invitedAt: 1, _id: 1 }).lean<Doc[]>();
    return docs.map(toRecord);
  }

  /**
   * Keep these (closed) surveys only as anonymous answers: kind, state, score, band, dates, tags, week
   * and the time to the first reply stay, so every count still matches; the address, the customer's
   * name, the context, the comment, the business's replies, message ids and unsent messages go, in
   * one write per survey (so one whose address is gone is done).
   */
  async anonymise(businessId: string, ids: readonly string[]): Promise<number> {
    const gone = { comment: 1, 'vars.customerName': 1, 'vars.context': 1, replies: 1, pendingReply: 1, sendsDue: 1, alertsDue: 1 };
    let changed = 0;
    for (const id of ids) {
      const _id = new Types.ObjectId(id);
      const res = await this.guard.single({ collection: 'surveys', id }, () =>
        this.model.updateOne({ _id, businessId, address: { $ne: erasedAddress } }, { $set: { address: erasedAddress, openKey: `closed:${id}`, inbound: [] }, $unset: gone }),
      );
      changed += res.modifiedCount;
    }
    return changed;
  }

  /**
   * Scored surveys answered in [from, to), or invited in the weeks `fromWeek`..`toWeek` (the
   * counters' periods), oldest answer first, optionally of one kind and only some customers: the
   * lean projection the analyses need.
   */
  async scored(
    businessId: string,
    range: { from?: Date; to?: Date; fromWeek?: string; toWeek?: string },
    options: { kind?: SurveyKind; customerIds?: readonly string[]; commented?: boolean } = {},
  ): Promise<ScoredSurvey[]> {
    const bound = <T>(low: T | undefined, high: T | undefined, highOp: '$lt' | '$lte') =>
      low === undefined && high === undefined ? undefined : { ...(low !== undefined ? { $gte: low } : {}), ...(high !== undefined ? { [highOp]: high } : {}) };
    const answeredAt = bound(range.from, range.to, '$lt');
    const week = bound(range.fromWeek, range.toWeek, '$lte');
    const filter: Record<string, unknown> = {
      businessId,
      score: { $ne: null },
      ...(answeredAt ? { answeredAt } : {}),
      ...(week ? { week } : {}),
      ...(options.kind ? { kind: options.kind } : {}),
      ...(options.customerIds ? { customerId: { $in: options.customerIds.map((id) => new Types.ObjectId(id)) } } : {}),
      ...(options.commented ? { comment: { $type: 'string' } } : {}),
    };
    const docs = await this.model.find(filter, scoredProjection).sort({ answeredAt: 1, _id: 1 }).lean<Doc[]>();
    return docs.map(toScored);
  }


  /**
   * Every survey of a business (of one kind, invited in `[from, to)`), oldest first, one at a time
   * from a cursor read in batches of `batchSize`: an export of any size holds one batch in memory.
   * The dialog's bookkeeping (message ids, owed counts and sends) is not read.
   */
  async *all(businessId: string, filters: SurveyFilters = {}, batchSize = 500): AsyncGenerator<SurveyRecord> {
    const invitedAt = { ...(filters.from ? { $gte: filters.from } : {}), ...(filters.to ? { $lt: filters.to } : {}) };
    const query = { businessId, ...(filters.kind ? { kind: filters.kind } : {}), ...(filters.from || filters.to ? { invitedAt } : {}) };
    const unread = { inbound: 0, countsDue: 0, pendingReply: 0, sendsDue: 0 };
    const cursor = this.model.find(query, unread).sort({ invitedAt: 1, _id: 1 }).lean<Doc[]>().cursor({ batchSize });
    for await (const doc of cursor) yield toRecord(doc as Doc);
  }
}

export { surveySchema };
