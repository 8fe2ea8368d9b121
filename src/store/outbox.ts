import { createHash } from 'node:crypto';
import { Schema, Types, type Connection } from 'mongoose';
import { modelOn, type AnyModel } from './model.js';
import { insertOnce, nextDue, take } from './work-queue.js';
import type { ChannelName, Outbound } from '../domain/channels.js';
import type { WriteGuard } from './write-guard.js';
import { Batches } from './write-batches.js';

/** Messages waiting to go out, and the record of what went. */
const outboxSchema = new Schema(
  {
    businessId: { type: String, required: true },
    channel: { type: String, required: true },
    address: { type: String, required: true },
    purpose: { type: String, enum: ['invitation', 'reminder', 'reply', 'alert', 'digest'], required: true },
    surveyId: Schema.Types.ObjectId,
    message: { type: Schema.Types.Mixed, required: true },
    state: { type: String, enum: ['pending', 'sending', 'sent', 'failed', 'cancelled'], default: 'pending' },
    attempts: { type: Number, default: 0 },
    nextAttemptAt: { type: Date, required: true },
    lockedUntil: Date,
    providerMessageId: String,
    error: String,
    sentAt: Date,
    /** Last provider delivery report (delivered, undelivered, failed…). */
    deliveryStatus: String,
    /** A send of it may have reached the provider at or after this time, unanswered: the provider's record is asked before it goes again. */
    unconfirmedSince: Date,
  },
  { timestamps: true, versionKey: false },
);
outboxSchema.index({ state: 1, nextAttemptAt: 1 });
outboxSchema.index({ surveyId: 1, _id: 1 });
// A person's messages, and owners' alerts quoting them (export and erasure), oldest first.
outboxSchema.index({ businessId: 1, channel: 1, address: 1, _id: 1 });
outboxSchema.index({ businessId: 1, purpose: 1, _id: 1 });
outboxSchema.index({ channel: 1, providerMessageId: 1 });

/** How an attempt ended. */
export type Outcome = { state: 'sent' | 'failed' | 'cancelled'; providerMessageId?: string; error?: string; sentAt?: Date };

export type OutboxPurpose = 'invitation' | 'reminder' | 'reply' | 'alert' | 'digest';
export type OutboxState = 'pending' | 'sending' | 'sent' | 'failed' | 'cancelled';
export type DeliveryStatus = 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'read';

export interface OutboxItem {
  id: string;
  businessId: string;
  channel: ChannelName;
  address: string;
  purpose: OutboxPurpose;
  surveyId?: string;
  message: Outbound;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: Date;
  providerMessageId?: string;
  error?: string;
  deliveryStatus?: DeliveryStatus;
  /**
   * The earliest time a send of it may have reached the provider with no answer back (the answer
   * lost, the server gone): before it goes again, a provider that keeps a record of its messages is
   * asked whether it went.
   */
  unconfirmedSince?: Date;
}

export interface NewOutboxItem {
  businessId: string;
  channel: ChannelName;
  address: string;
  purpose: OutboxPurpose;
  surveyId?: string;
  message: Outbound;
  nextAttemptAt: Date;
  /** Names the item, so queueing it again (a retried step) finds it instead of adding a copy. */
  key?: string;
  /** A send of it may already have reached the provider at or after this time (its answer never came): see `OutboxItem.unconfirmedSince`. */
  unconfirmedSince?: Date;
}

/** The item id a key stands for: the same key always gives the same id, so a second insert is a duplicate. */
export const outboxIdOf = (key: string): string => createHash('sha256').update(`outbox:${key}`).digest('hex').slice(0, 24);

/** The key of the `i`th of the replies to a message the WhatsApp adapter could not send yet: each is queued once. */
export const replyKey = (channel: ChannelName, messageId: string, i: number): string => `reply:${channel}:${messageId}:${i}`;
/**
 * The key of an answer's `i`th stored reply the sweeper queues once it went unconfirmed. Not
 * `replyKey`: the adapter numbers the replies it still had to send, not the answer's, and sharing
 * names would let one of those stand for a different reply here and leave that one unsent.
 */
export const unconfirmedReplyKey = (channel: ChannelName, messageId: string, i: number): string => `unconfirmed-reply:${channel}:${messageId}:${i}`;

/** How far along a message is; a report never moves it back (final states share a rank). */
const statusRank: Record<DeliveryStatus, number> = { queued: 0, sent: 1, delivered: 2, undelivered: 2, failed: 2, read: 3 };
const deliveryStatuses = Object.keys(statusRank) as DeliveryStatus[];

type Doc = Record<string, unknown> & { _id: Types.ObjectId };
const opt = <T>(v: unknown) => (v === null || v === undefined ? undefined : (v as T));

function toItem(d: Doc): OutboxItem {
  return {
    id: d._id.toString(),
    businessId: d.businessId as string,
    channel: d.channel as ChannelName,
    address: d.address as string,
    purpose: d.purpose as OutboxPurpose,
    surveyId: opt<Types.ObjectId>(d.surveyId)?.toString(),
    message: d.message as Outbound,
    state: d.state as OutboxState,
    attempts: (d.attempts as number | undefined) ?? 0,
    nextAttemptAt: d.nextAttemptAt as Date,
    providerMessageId: opt(d.providerMessageId),
    error: opt(d.error),
    deliveryStatus: opt(d.deliveryStatus),
    unconfirmedSince: opt(d.unconfirmedSince),
  };
}

export class OutboxRepository {
  private readonly outcomes = new Batches<{ id: string; outcome: Outcome }>((items) => this.writeOutcomes(items));

  constructor(
    readonly model: AnyModel,
    private readonly guard: WriteGuard,
  ) {}

  static model(conn: Connection): AnyModel {
    return modelOn(conn, 'Outbox', outboxSchema, 'outbox');
  }

  private doc(item: NewOutboxItem, extra: Record<string, unknown> = {}) {
    return {
      _id: new Types.ObjectId(item.key ? outboxIdOf(item.key) : undefined),
      businessId: item.businessId,
      channel: item.channel,
      address: item.address,
      purpose: item.purpose,
      ...(item.surveyId ? { surveyId: new Types.ObjectId(item.surveyId) } : {}),
      message: item.message,
      nextAttemptAt: item.nextAttemptAt,
      ...(item.unconfirmedSince ? { unconfirmedSince: item.unconfirmedSince } : {}),
      ...extra,
    };
  }

  /** Queue items (pending). Items with a key that is already queued are left as they are. Returns every id. */
  async enqueue(items: readonly NewOutboxItem[]): Promise<string[]> {
    const docs = items.map((i) => this.doc(i));
    await insertOnce(this.model, docs);
    return docs.map((d) => d._id.toString());
  }

  /**
   * Queue items already taken for sending by this caller (`sending` until `lockedUntil`, as `take`
   * leaves them), in one write: returns those inserted, in order; an item whose key is already queued
   * is left as it is and not returned.
   */
  async insertTaken(items: readonly NewOutboxItem[], lockedUntil: Date): Promise<OutboxItem[]> {
    const docs = items.map((i) => this.doc(i, { state: 'sending', attempts: 1, lockedUntil }));
    const queued = await insertOnce(this.model, docs);
    return docs.filter((_, i) => !queued.has(i)).map((d) => toItem(d as unknown as Doc));
  }

  /** Insert one item already being sent by this caller (nobody else may pick it up until `lockedUntil`). */
  async insertSending(item: NewOutboxItem, lockedUntil: Date): Promise<OutboxItem> {
    const doc = this.doc(item, { state: 'sending', attempts: 1, lockedUntil });
    await this.model.create(doc);
    return toItem(doc as unknown as Doc);
  }

  /** Insert the record of a send that already happened. */
  async insertFinished(item: NewOutboxItem, outcome: { state: OutboxState; providerMessageId?: string; error?: string; sentAt?: Date }): Promise<string> {
    const doc = this.doc(item, { attempts: 1, ...outcome });
    await this.model.create(doc);
    return doc._id.toString();
  }

  /** The oldest due pending item (of `ids` when given). */
  async nextDue(now: Date, ids?: readonly string[]): Promise<OutboxItem | undefined> {
    const doc = await nextDue(this.model, now, ids);
    return doc ? toItem(doc) : undefined;
  }

  /** Items waiting to go (pending, due or not) and when the oldest due one fell due: the backlog a scrape reports. */
  async backlog(now: Date): Promise<{ depth: number; oldestDueAt?: Date }> {
    const [depth, oldest] = await Promise.all([
      this.model.countDocuments({ state: 'pending' }),
      this.model.findOne({ state: 'pending', nextAttemptAt: { $lte: now } }, { nextAttemptAt: 1 }).sort({ state: 1, nextAttemptAt: 1 }).lean<{ nextAttemptAt: Date }>(),
    ]);
    return { depth, oldestDueAt: oldest?.nextAttemptAt };
  }

  /**
   * Take an item queued just now (never tried) for its first attempt without reading it first; null
   * when it is not due, or someone took it already (the sweeper, another instance).
   */
  async takeFirstAttempt(id: string, now: Date, lockedUntil: Date): Promise<OutboxItem | null> {
    const doc = await take(this.model, this.guard, 'outbox', { id, attempts: 0 }, lockedUntil, now);
    return doc ? toItem(doc) : null;
  }

  /** Take a pending item for sending: exactly one caller gets it for a given attempt. */
  async take(item: OutboxItem, lockedUntil: Date): Promise<OutboxItem | null> {
    const doc = await take(this.model, this.guard, 'outbox', item, lockedUntil);
    return doc ? toItem(doc) : null;
  }

  /**
   * An attempt's outcome. On MongoDB the outcomes that arrive while one write is under way go
   * together in the next, one bulk write (a campaign's sends finish a few at a time); the FerretDB
   * guard writes one document at a time.
   */
  finish(id: string, outcome: Outcome): Promise<void> {
    if (this.guard.server !== 'mongodb') return this.guard.single({ collection: 'outbox', id }, () => this.writeOutcomes([{ id, outcome }]));
    return this.outcomes.add([{ id, outcome }]);
  }

  /**
   * Through the driver's collection (no casting on a campaign's hot path), `updatedAt` as mongoose's
   * timestamps keep it; an outcome's absent fields are left out, not stored as null.
   */
  private async writeOutcomes(items: ReadonlyArray<{ id: string; outcome: Outcome }>): Promise<void> {
    const updatedAt = new Date();
    // Only while it is being sent: a sender whose lock ran out and whose item was settled since (see `reclaim`) changes nothing.
    const ops = items.map(({ id, outcome }) => ({ updateOne: { filter: { _id: new Types.ObjectId(id), state: 'sending' }, update: { $set: { ...outcome, updatedAt }, $unset: { lockedUntil: 1 as const } } } }));
    const [only] = ops;
    if (ops.length === 1 && only) await this.model.collection.updateOne(only.updateOne.filter, only.updateOne.update, { ignoreUndefined: true });
    else await this.model.collection.bulkWrite(ops, { ordered: false, ignoreUndefined: true });
  }

  /** Pending again from `at`, if still being sent; `unconfirmedSince`, when the attempt may have reached the provider, is kept at its earliest. */
  async retryAt(id: string, at: Date, error: string | undefined, unconfirmedSince?: Date): Promise<void> {
    await this.guard.single({ collection: 'outbox', id }, () =>
      this.model.updateOne(
        { _id: new Types.ObjectId(id), state: 'sending' },
        { $set: { state: 'pending', nextAttemptAt: at, ...(error ? { error } : {}) }, $unset: { lockedUntil: 1 }, ...(unconfirmedSince ? { $min: { unconfirmedSince } } : {}) },
      ),
    );
  }

  /** Items whose sender died mid-send (`sending` past their lock), at most `limit`, with the lock their take set. */
  async interrupted(now: Date, limit: number): Promise<Array<OutboxItem & { lockedUntil: Date }>> {
    const docs = await this.model.find({ state: 'sending', lockedUntil: { $lt: now } }).limit(limit).lean<Doc[]>();
    return docs.map((d) => ({ ...toItem(d), lockedUntil: d.lockedUntil as Date }));
  }

  /**
   * Take an interrupted item, as `interrupted` read it, to settle it: exactly one caller gets it,
   * and it stays `sending` until `lockedUntil` (counted as an attempt). `unconfirmedSince` keeps the
   * interrupted send's time, so a settlement left for later still looks from there.
   */
  async reclaim(item: { id: string; attempts: number }, now: Date, lockedUntil: Date, unconfirmedSince: Date): Promise<boolean> {
    const doc = await this.guard.exclusive({ collection: 'outbox', id: item.id, version: `interrupted-${item.attempts}` }, () =>
      this.model
        .findOneAndUpdate(
          { _id: new Types.ObjectId(item.id), state: 'sending', attempts: item.attempts, lockedUntil: { $lt: now } },
          { $set: { lockedUntil }, $inc: { attempts: 1 }, $min: { unconfirmedSince } },
          { projection: { _id: 1 } },
        )
        .lean<Doc>(),
    );
    return doc !== null;
  }

  async states(ids: readonly string[]): Promise<Map<string, OutboxState>> {
    const docs = await this.model.find({ _id: { $in: ids.map((id) => new Types.ObjectId(id)) } }, { state: 1 }).lean<Doc[]>();
    return new Map(docs.map((d) => [d._id.toString(), d.state as OutboxState]));
  }

  /**
   * A provider's delivery report; providers do not promise order, so a late "sent" never overwrites
   * "delivered". Returns what the report was about (its purpose and survey), when it applied.
   */
  async recordReport(channel: ChannelName, providerMessageId: string, status: DeliveryStatus, errorCode?: string): Promise<Pick<OutboxItem, 'purpose' | 'surveyId'> | undefined> {
    const later = { $nin: deliveryStatuses.filter((s) => statusRank[s] > statusRank[status]) };
    const doc = await this.model
      .findOneAndUpdate({ channel, providerMessageId, deliveryStatus: later }, { $set: { deliveryStatus: status, ...(errorCode ? { error: errorCode } : {}) } }, { projection: { purpose: 1, surveyId: 1 } })
      .lean<Doc>();
    return doc ? { purpose: doc.purpose as OutboxPurpose, surveyId: opt<Types.ObjectId>(doc.surveyId)?.toString() } : undefined;
  }

  /** How the invitation of a survey went: the provider's report when there is one, else our send's outcome. */
  async invitationOf(surveyId: string): Promise<{ status: string; providerMessageId?: string; error?: string } | undefined> {
    const doc = await this.model.findOne({ surveyId: new Types.ObjectId(surveyId), purpose: 'invitation' }).sort({ _id: -1 }).lean<Doc>();
    if (!doc) return undefined;
    const item = toItem(doc);
    return { status: item.deliveryStatus ?? item.state, ...(item.providerMessageId ? { providerMessageId: item.providerMessageId } : {}), ...(item.error ? { error: item.error } : {}) };
  }

  /** Items to these addresses, or about these surveys (owner alerts), of one business, oldest first: a person's data export. */
  async ofPerson(businessId: string, addresses: ReadonlyArray<{ channel: string; address: string }>, surveyIds: readonly string[]): Promise<Array<OutboxItem & { createdAt?: Date }>> {
    const or = [...addresses.map((a) => ({ channel: a.channel, address: a.address })), { surveyId: { $in: surveyIds.map((id) => new Types.ObjectId(id)) } }];
    const docs = await this.model.find({ businessId, $or: or }, { 'message.image': 0 }).sort({ _id: 1 }).lean<Doc[]>();
    return docs.map((d) => ({ ...toItem(d), createdAt: opt<Date>(d.createdAt) }));
  }

  /**
   * Erase what went, or was to go, to these addresses, and the text of messages about these surveys
   * (owner alerts quote the customer): the text becomes `text`, the address `erasedAddress`, provider
   * errors (which can quote a number) go, and an item not sent yet never will be.
   */
  async erase(businessId: string, addresses: ReadonlyArray<{ channel: string; address: string }>, surveyIds: readonly string[], text: string, erasedAddress: string): Promise<number> {
    let changed = 0;
    if (addresses.length) {
      const to = { businessId, $or: addresses.map((a) => ({ channel: a.channel, address: a.address })) };
      await this.model.updateMany({ ...to, state: { $in: ['pending', 'sending'] } }, { $set: { state: 'failed' } });
      // A template's values repeat the text's words (a name, a comment): they go with it.
      changed += (await this.model.updateMany(to, { $set: { address: erasedAddress, 'message.text': text }, $unset: { error: 1, 'message.choices': 1, 'message.template': 1 } })).modifiedCount;
    }
    if (surveyIds.length) {
      const about = { businessId, surveyId: { $in: surveyIds.map((id) => new Types.ObjectId(id)) }, $or: [{ 'message.text': { $ne: text } }, { 'message.template': { $exists: true } }] };
      changed += (await this.model.updateMany(about, { $set: { 'message.text': text }, $unset: { 'message.template': 1 } })).modifiedCount;
    }
    return changed;
  }

  /** Messages of one purpose whose text matches `pattern` (a case-insensitive regular expression every server runs). */
  async matching(businessId: string, purpose: OutboxPurpose, pattern: string): Promise<Array<{ id: string; text: string; createdAt?: Date }>> {
    const docs = await this.model.find({ businessId, purpose, 'message.text': { $regex: pattern, $options: 'i' } }, { 'message.text': 1, createdAt: 1 }).sort({ _id: 1 }).lean<Doc[]>();
    return docs.map((d) => ({ id: d._id.toString(), text: (d.message as { text: string }).text, createdAt: opt<Date>(d.createdAt) }));
  }

  async setText(id: string, text: string): Promise<void> {
    await this.guard.single({ collection: 'outbox', id }, () => this.model.updateOne({ _id: new Types.ObjectId(id) }, { $set: { 'message.text': text }, $unset: { 'message.template': 1 } }));
  }
}
