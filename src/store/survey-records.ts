import { Schema, Types } from 'mongoose';
import type { DialogSession, DialogState } from '../dialogs/types.js';
import type { ChannelName, Outbound } from '../domain/channels.js';
import { surveyTriggers, type Band, type Locale, type SurveyKind, type SurveyTrigger } from '../domain/surveys.js';
import type { SurveyWebhookEvent } from './webhooks.js';

/*
 * A survey as stored (its schema and indexes) and as the code reads it (its records), with the
 * mappings between the two; the repository that reads and writes it is `surveys.ts`.
 */

/**
 * One survey invitation and its whole dialog. `openKey` is `business:channel:address` while the
 * survey is open and `closed:<id>` after, so a unique index allows one open survey per customer
 * and channel without partial indexes (which not every MongoDB-compatible server has).
 */
export const surveySchema = new Schema(
  {
    businessId: { type: String, required: true },
    customerId: { type: Schema.Types.ObjectId, required: true },
    channel: { type: String, required: true },
    address: { type: String, required: true },
    kind: { type: String, enum: ['nps', 'csat', 'ces'], required: true },
    state: { type: String, enum: ['invited', 'awaiting_reason', 'awaiting_comment', 'completed', 'expired', 'opted_out'], required: true },
    openKey: { type: String, required: true },
    locale: { type: String, required: true },
    vars: { business: String, customerName: String, context: String },
    /** `link`: the customer opened a deep link (Telegram `/start <token>`); `import`: answered elsewhere, imported with its dates. */
    trigger: { type: String, enum: [...surveyTriggers], required: true },
    /** Where an imported answer came from: its `_id` is derived from (business, source, sourceId), so a second import of it is a duplicate. */
    imported: { source: String, sourceId: String, at: Date },
    score: Number,
    band: { type: String, enum: ['detractor', 'passive', 'promoter'] },
    /** The key of the reason chosen (the business's optional reason question); absent on surveys that had none. */
    reason: String,
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
    identifiedAt: Date,
    context: { product: String, order: String, location: String, staff: String, link: String, customer: String },
    /** Features of the customer's events in the 30 days before the survey started: its `event:` cohorts. */
    precededBy: { type: [String], default: undefined },
    firstPurchaseMonth: String,
    /** Provider ids of the inbound messages this survey consumed (newest last): a redelivery finds its id here. */
    inbound: { type: [String], default: [] },
    /** The customer left a comment: kept when an erasure removes the comment, so a recount still counts it. */
    commented: Boolean,
    /**
     * Effects this survey's changes still owe, written with the change that owes them: owner alerts,
     * outbound webhook events and messages to the customer (a reminder). Queued after the write (the
     * sweeper queues what a crash left), each under a name of its own, then cleared.
     */
    owed: { type: [Schema.Types.Mixed], default: undefined },
    /** The replies to `messageId`, kept until the adapter confirms it delivered them; `at`: when they were written. */
    pendingReply: { messageId: String, replies: Schema.Types.Mixed, at: Date },
    /**
     * The closed loop, oldest first: the business's answers (`/reply`, `by` the staff id) and the
     * customer's answers to them (`by: 'customer'`).
     */
    replies: [{ _id: false, text: { type: String, required: true }, at: { type: Date, required: true }, by: { type: String, required: true } }],
    /** Who the customer's answers to a `/reply` go to, and until when (see `survey-threads.ts`). */
    thread: { by: String, channel: String, address: String, until: Date },
    /** The invitation was reported undelivered (or its send failed): no reminder follows it. */
    undeliveredAt: Date,
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
// The sweeper: surveys that still owe an effect.
surveySchema.index({ 'owed.type': 1 });
// The sweeper: replies to an answer stored and never confirmed delivered.
surveySchema.index({ 'pendingReply.at': 1 });
// Digest: comments of a week by score (the few lowest or highest: `_id` in the index too, so the
// sort is the index's order), and detractors still waiting for an answer.
surveySchema.index({ businessId: 1, week: 1, kind: 1, score: 1, _id: 1 });
surveySchema.index({ businessId: 1, band: 1, firstReplyAt: 1 });
// The API's survey list: one business's surveys, newest first, paged by _id.
surveySchema.index({ businessId: 1, _id: -1 });
// Insights: the scored surveys of a period.
surveySchema.index({ businessId: 1, answeredAt: 1 });
// The API's drops report: a period's answers a page at a time, in week order.
surveySchema.index({ businessId: 1, week: 1, _id: 1 });

export type SurveyState = DialogState;

/** What a survey is about, given when it starts; product, location and staff are also rollup cohorts. */
export interface SurveyContext {
  product?: string;
  order?: string;
  location?: string;
  staff?: string;
  /** The code of the survey link (`/s/<code>`) the survey was opened from. */
  link?: string;
  /** The business's own reference for the customer (a website's customer number). */
  customer?: string;
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
  /** The reason chosen, when the business asked one. */
  reason?: string;
  locale: Locale;
  answeredAt: Date;
  week: string;
  context: SurveyContext;
}
/**
 * An open conversation after a `/reply`: the customer's answers go to `channel:address` (the chat
 * the staff member `by` replied from; every owner when the reply came from the dashboard) until `until`.
 */
export interface SurveyThread {
  by: string;
  channel?: ChannelName;
  address?: string;
  until: Date;
}
export type { SurveyTrigger };
export type AlertEvent = 'scored' | 'commented';

/**
 * One effect a survey change owes: an owner alert, an outbound webhook event, or a message to the
 * customer (`send`, valid only while the survey is still at revision `rev`: a later change makes it moot).
 */
export type OwedEffect = { type: 'alert'; event: AlertEvent } | { type: 'webhook'; event: SurveyWebhookEvent } | { type: 'send'; rev: number; key: string; message: Outbound };
export const owedTypes = ['alert', 'webhook', 'send'] as const;

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
  owed: OwedEffect[];
  pendingReply?: { messageId: string; replies: Outbound[]; at?: Date };
  /** When an anonymous respondent (web chat, widget, link) left a phone number or e-mail: they are identified since. */
  identifiedAt?: Date;
  replies: Array<{ text: string; at: Date; by: string }>;
  thread?: SurveyThread;
  undeliveredAt?: Date;
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

export type NewSurvey = Omit<SurveyRecord, 'id' | 'inbound' | 'owed' | 'pendingReply' | 'replies' | 'rev' | 'band' | 'thread' | 'undeliveredAt'> & { id?: string };

export const openStates: SurveyState[] = ['invited', 'awaiting_reason', 'awaiting_comment'];
export const isOpenState = (state: SurveyState) => openStates.includes(state);

/** What an erased address becomes: in no channel's address format, so nothing is ever sent to it. */
export const erasedAddress = '#erased';

export const openKeyOf = (businessId: string, channel: string, address: string) => `${businessId}:${channel}:${address}`;

export type Doc = Record<string, unknown> & { _id: Types.ObjectId; customerId: Types.ObjectId };

function contextOf(raw: unknown): SurveyContext {
  const c = (raw ?? {}) as Record<string, unknown>;
  const out: SurveyContext = {};
  for (const k of ['product', 'order', 'location', 'staff', 'link', 'customer'] as const) if (typeof c[k] === 'string') out[k] = c[k];
  return out;
}

export const scoredProjection = { customerId: 1, channel: 1, kind: 1, score: 1, band: 1, comment: 1, reason: 1, locale: 1, answeredAt: 1, week: 1, context: 1 };

export function toScored(d: Doc): ScoredSurvey {
  return {
    id: d._id.toString(),
    customerId: d.customerId.toString(),
    channel: d.channel as ChannelName,
    kind: d.kind as SurveyKind,
    score: d.score as number,
    band: d.band as Band,
    ...(typeof d.comment === 'string' ? { comment: d.comment } : {}),
    ...(typeof d.reason === 'string' ? { reason: d.reason } : {}),
    locale: d.locale as Locale,
    answeredAt: d.answeredAt as Date,
    week: d.week as string,
    context: contextOf(d.context),
    ...(Array.isArray(d.precededBy) && d.precededBy.length ? { precededBy: d.precededBy as string[] } : {}),
    ...(typeof d.firstPurchaseMonth === 'string' ? { firstPurchaseMonth: d.firstPurchaseMonth } : {}),
  };
}

function threadOf(raw: unknown): SurveyThread | undefined {
  const t = raw as Partial<SurveyThread> | null | undefined;
  if (!t?.by || !t.until) return undefined;
  return { by: t.by, until: t.until, ...(t.channel && t.address ? { channel: t.channel, address: t.address } : {}) };
}

export function toRecord(d: Doc): SurveyRecord {
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
    reason: opt(d.reason),
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
    // The survey's own cohorts: its answer counts where its send counted.
    ...(Array.isArray(d.precededBy) && d.precededBy.length ? { precededBy: d.precededBy as string[] } : {}),
    ...(typeof d.firstPurchaseMonth === 'string' ? { firstPurchaseMonth: d.firstPurchaseMonth } : {}),
    inbound: (d.inbound as string[] | undefined) ?? [],
    owed: (d.owed as OwedEffect[] | undefined) ?? [],
    pendingReply: opt<{ messageId: string; replies: Outbound[]; at?: Date }>(d.pendingReply),
    ...(d.identifiedAt ? { identifiedAt: d.identifiedAt as Date } : {}),
    replies: (d.replies as SurveyRecord['replies'] | undefined) ?? [],
    thread: threadOf(d.thread),
    undeliveredAt: opt(d.undeliveredAt),
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

/** What a survey list shows: not the dialog's bookkeeping (consumed message ids, owed effects, unconfirmed replies). */
export const listProjection = { inbound: 0, owed: 0, pendingReply: 0, openKey: 0 };

export const objectId = (id: string) => (Types.ObjectId.isValid(id) && /^[a-f0-9]{24}$/i.test(id) ? new Types.ObjectId(id) : undefined);
