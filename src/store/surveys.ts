import { Types, type Connection } from 'mongoose';
import { modelOn, type AnyModel } from './model.js';
import type { ChannelName, Outbound } from '../domain/channels.js';
import type { Band, SurveyKind } from '../domain/surveys.js';
import {
  erasedAddress,
  isOpenState,
  listProjection,
  objectId,
  openKeyOf,
  openStates,
  scoredProjection,
  surveySchema,
  toRecord,
  owedTypes,
  toScored,
  type Doc,
  type OwedEffect,
  type NewSurvey,
  type ScoredSurvey,
  type SurveyFilter,
  type SurveyDialogFields,
  type SurveyFilters,
  type SurveyRecord,
} from './survey-records.js';
import type { WriteGuard } from './write-guard.js';
import type { AnalysisInputs } from './week-analyses.js';
import { ReplyReceipts } from './reply-receipts.js';
import { insertSurveys } from './upload-writes.js';
import { ReadBatches } from './write-batches.js';

/** Surveys: the one collection every reply writes, once. */
export class SurveyRepository {
  private readonly receipts: ReplyReceipts;
  private readonly reads = new ReadBatches<Doc>(async (ids) => new Map((await this.model.find({ _id: { $in: ids.map((i) => new Types.ObjectId(i)) } }).lean<Doc[]>()).map((d) => [d._id.toString(), d])));
  constructor(
    readonly model: AnyModel,
    private readonly guard: WriteGuard,
    private readonly analyses?: AnalysisInputs,
  ) {
    this.receipts = new ReplyReceipts(model, guard);
  }

  static model(conn: Connection): AnyModel {
    return modelOn(conn, 'Survey', surveySchema, 'surveys');
  }

  /** Insert a new open survey; when this address already has one open, say which instead. */
  async insert(survey: NewSurvey): Promise<{ inserted: string } | { alreadyOpen: string | undefined }> {
    return (await insertSurveys(this.model, [survey]))[0]!;
  }

  /** `insert` for many new surveys (an upload's), in one unordered insert. */
  insertMany(surveys: readonly NewSurvey[]): Promise<Array<{ inserted: string } | { alreadyOpen: string | undefined }>> {
    return insertSurveys(this.model, surveys);
  }

  /** The newest two surveys of an address, the open one first also when both have one invitation time (the sort
   * leaves their order to the server: an answer was lost), so a redelivery is known after its survey closed. */
  async latest(businessId: string, channel: ChannelName, address: string): Promise<SurveyRecord[]> {
    const docs = await this.model.collection.find({ businessId, channel, address }).sort({ invitedAt: -1 }).limit(2).toArray();
    const records = (docs as Doc[]).map(toRecord);
    return records[1] && isOpenState(records[1].state) ? records.reverse() : records;
  }

  async open(businessId: string, channel: ChannelName, address: string): Promise<SurveyRecord | undefined> {
    const doc = await this.model.findOne({ openKey: openKeyOf(businessId, channel, address) }).lean<Doc>();
    return doc ? toRecord(doc) : undefined;
  }

  /** The comments of these surveys of a business, in one read (a theme's quotes). */
  async comments(businessId: string, ids: readonly string[]): Promise<Array<{ surveyId: string; customerId: string; text: string }>> {
    const _ids = ids.flatMap((id) => objectId(id) ?? []);
    // By `_id` alone, the business and the comment checked here: a server without secondary indexes
    // (mongo-java-server) serves a query by its `_id` index only when `_id` is its one key.
    const docs = await this.model.find({ _id: { $in: _ids } }, { businessId: 1, customerId: 1, comment: 1 }).lean<Doc[]>();
    const quoted = docs.filter((d) => d.businessId === businessId && typeof d.comment === 'string');
    const byId = new Map(quoted.map((d) => [d._id.toString(), { surveyId: d._id.toString(), customerId: String(d.customerId), text: d.comment as string }]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** Read together with the calls made while one such read is under way (each send of a campaign checks its survey). */
  async byId(id: string, businessId?: string): Promise<SurveyRecord | undefined> {
    const doc = objectId(id) ? await this.reads.get(id) : undefined;
    return doc && (!businessId || doc.businessId === businessId) ? toRecord(doc) : undefined;
  }

  /**
   * Move a survey on from the revision it was read at: ONE atomic write of the new dialog state, the provider
   * message id that caused it and the effects it owes (alerts, webhook events, messages), applied only if the
   * survey is still at `from.rev` and has not consumed `messageId`; null when another writer got there first.
   */
  async transition(
    from: SurveyRecord,
    next: SurveyDialogFields & { band?: Band },
    cause: { messageId?: string; owed?: OwedEffect[]; reply?: Outbound[]; at?: Date } = {},
  ): Promise<SurveyRecord | null> {
    const _id = new Types.ObjectId(from.id);
    const closed = !isOpenState(next.state);
    const unset: string[] = (['score', 'band', 'reason', 'comment', 'remindedAt', 'answeredAt', 'completedAt', 'endedAt', 'abandonedAt'] as const).filter((k) => next[k] === undefined);
    // Only the dialog's own fields (a caller may pass a whole record): the rest is the write's to change.
    const fields = ['kind', 'state', 'locale', 'vars', 'score', 'band', 'reason', 'comment', 'reprompts', 'invitedAt', 'remindedAt', 'answeredAt', 'completedAt', 'endedAt', 'abandonedAt'] as const;
    const set: Record<string, unknown> = { ...(closed ? { openKey: `closed:${from.id}` } : {}), ...(next.comment !== undefined ? { commented: true } : {}) };
    for (const k of fields) if (next[k] !== undefined) set[k] = next[k];
    // A step's replies wait for the adapter's receipt; any other step drops an older unconfirmed one.
    if (cause.messageId && cause.reply) set.pendingReply = { messageId: cause.messageId, replies: cause.reply, ...(cause.at ? { at: cause.at } : {}) };
    else unset.push('pendingReply');
    const update: Record<string, unknown> = { $set: set, $inc: { rev: 1 } };
    if (unset.length) update.$unset = Object.fromEntries(unset.map((k) => [k, 1]));
    const push: Record<string, unknown> = {};
    if (cause.messageId) push.inbound = cause.messageId;
    if (cause.owed?.length) push.owed = { $each: cause.owed };
    if (Object.keys(push).length) update.$push = push;
    const filter = { _id, rev: from.rev, ...(cause.messageId ? { inbound: { $ne: cause.messageId } } : {}) };
    const doc = await this.guard.exclusive({ collection: 'surveys', id: from.id, version: from.rev }, () =>
      // The driver's collection, not mongoose (the hot path): every value above has its stored type.
      this.model.collection.findOneAndUpdate(filter, update, { returnDocument: 'after', ignoreUndefined: true }) as Promise<Doc | null>,
    );
    // A closed survey's comment grew (its next part joined): the counters do not show it, the themes do.
    if (doc && !isOpenState(from.state) && next.comment !== from.comment) await this.analyses?.changed(from.businessId, from.answeredAt ?? from.invitedAt);
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

  /** Surveys that still owe an effect (a crash came between the change and queueing it), oldest change first. */
  async withOwed(limit: number): Promise<SurveyRecord[]> {
    const docs = await this.model.find({ 'owed.type': { $in: owedTypes } }).limit(limit).lean<Doc[]>();
    return docs.map(toRecord);
  }

  /** These effects are queued: the survey no longer owes them. */
  async clearOwed(id: string, done: readonly OwedEffect[]): Promise<void> {
    if (!done.length) return;
    await this.guard.single({ collection: 'surveys', id }, () => this.model.updateOne({ _id: new Types.ObjectId(id) }, { $pullAll: { owed: done } }));
  }

  /** The adapter delivered the replies to `messageId`: a redelivery of it gets nothing again. */
  confirmReply(id: string, messageId: string): Promise<void> {
    return this.receipts.confirm(id, messageId);
  }

  /**
   * Surveys whose replies to an answer were stored before `before` and never confirmed delivered:
   * the answer's request ended without them reaching the provider (the process died, or the
   * provider gave up on the request) and no redelivery came for them. Oldest first is not promised.
   */
  async unconfirmedRepliesBefore(before: Date, limit: number): Promise<Array<Pick<SurveyRecord, 'id' | 'businessId' | 'channel' | 'address'> & { pendingReply: NonNullable<SurveyRecord['pendingReply']> }>> {
    const docs = await this.model.collection
      .find<{ _id: Types.ObjectId; businessId: string; channel: ChannelName; address: string; pendingReply: { messageId: string; replies: Outbound[]; at?: Date } }>({ 'pendingReply.at': { $lt: before } }, { projection: { businessId: 1, channel: 1, address: 1, pendingReply: 1 } })
      .limit(limit)
      .toArray();
    return docs.map((d) => ({ id: d._id.toString(), businessId: d.businessId, channel: d.channel, address: d.address, pendingReply: d.pendingReply }));
  }

  /** The replies to `messageId` must not go out from here any more (the person opted out, or they were queued): a redelivery of it gets nothing. */
  async dropPendingReply(id: string, messageId: string): Promise<void> {
    await this.guard.single({ collection: 'surveys', id }, () => this.model.updateOne({ _id: new Types.ObjectId(id), 'pendingReply.messageId': messageId }, { $unset: { pendingReply: 1 } }));
  }

  /** Whether a week's surveys have all ended: its counters can be recounted and closed. */
  async weekEnded(businessId: string, week: string): Promise<boolean> {
    return (await this.model.findOne({ businessId, week, state: { $in: openStates } }, { _id: 1 }).lean()) === null;
  }

  /** The business's answer to the customer, and the time to the first one. */
  async addReply(survey: SurveyRecord, reply: { text: string; at: Date; by: string }): Promise<void> {
    const _id = new Types.ObjectId(survey.id);
    const since = survey.answeredAt ?? survey.invitedAt;
    await this.guard.single({ collection: 'surveys', id: survey.id }, async () => {
      await this.model.updateOne({ _id }, { $push: { replies: reply } });
      await this.model.updateOne({ _id, firstReplyAt: null }, { $set: { firstReplyAt: reply.at, timeToFirstReplyMs: reply.at.getTime() - since.getTime() } });
    });
    // The week's kept list of detractors waiting for an answer may no longer hold.
    await this.analyses?.replied(survey.businessId, survey.week);
  }

  /** Databases from before the digest's comments were read in the order of their index: that index, without `_id`, is replaced. */
  async dropReplacedIndex(): Promise<void> {
    await this.model.collection.dropIndex('businessId_1_week_1_kind_1_score_1').catch(() => {});
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

  /** The first (oldest) detractors of a week still waiting for the business's answer, whatever their kind. */
  async unansweredDetractors(businessId: string, week: string, limit: number): Promise<SurveyRecord[]> {
    const docs = await this.model.find({ businessId, week, band: 'detractor', firstReplyAt: null }).sort({ _id: 1 }).limit(limit).lean<Doc[]>();
    return docs.map(toRecord);
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
    // Without the dialog's bookkeeping (message ids, owed effects): a timeline shows none of it.
    const internals = { inbound: 0, owed: 0, pendingReply: 0 };
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
    // Owed alerts and messages are dropped when they come to be queued (the address is gone); owed webhook events still go.
    const gone = { comment: 1, 'vars.customerName': 1, 'vars.context': 1, replies: 1, pendingReply: 1 };
    let changed = 0;
    for (const id of ids) {
      const _id = new Types.ObjectId(id);
      const res = await this.guard.single({ collection: 'surveys', id }, () =>
        this.model.updateOne({ _id, businessId, address: { $ne: erasedAddress } }, { $set: { address: erasedAddress, openKey: `closed:${id}`, inbound: [] }, $unset: gone }),
      );
      changed += res.modifiedCount;
    }
    // Comments gone: so are the analyses that counted their words.
    if (changed) await this.analyses?.erased(businessId);
    return changed;
  }

  /** Scored surveys answered in [from, to), or invited in the weeks `fromWeek`..`toWeek` (the counters' periods),
   * oldest answer first, optionally of one kind and some customers: the lean projection the analyses need. */
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
   * One page of the scored surveys invited in the weeks `fromWeek`..`toWeek`, in week then `_id`
   * order, after the page that ended at `after` (its last survey's week and id), optionally of one
   * kind: read through `{ businessId, week, _id }`, so a page costs its `limit` however large the weeks.
   */
  async scoredPage(
    businessId: string,
    weeks: { fromWeek: string; toWeek: string },
    options: { kind?: SurveyKind; after?: { week: string; id: string }; limit: number },
  ): Promise<ScoredSurvey[]> {
    const { after } = options;
    const filter: Record<string, unknown> = {
      businessId,
      score: { $ne: null },
      ...(options.kind ? { kind: options.kind } : {}),
      ...(after
        ? { $or: [{ week: after.week, _id: { $gt: new Types.ObjectId(after.id) } }, { week: { $gt: after.week, $lte: weeks.toWeek } }] }
        : { week: { $gte: weeks.fromWeek, $lte: weeks.toWeek } }),
    };
    const docs = await this.model.find(filter, scoredProjection).sort({ week: 1, _id: 1 }).limit(options.limit).lean<Doc[]>();
    return docs.map(toScored);
  }


  /**
   * Every survey of a business (of one kind, invited in `[from, to)`), oldest first, one at a time
   * from a cursor read in batches of `batchSize`: an export of any size holds one batch in memory.
   * The dialog's bookkeeping (message ids, owed effects) is not read.
   */
  async *all(businessId: string, filters: SurveyFilters = {}, batchSize = 500): AsyncGenerator<SurveyRecord> {
    const invitedAt = { ...(filters.from ? { $gte: filters.from } : {}), ...(filters.to ? { $lt: filters.to } : {}) };
    const query = { businessId, ...(filters.kind ? { kind: filters.kind } : {}), ...(filters.from || filters.to ? { invitedAt } : {}) };
    const unread = { inbound: 0, owed: 0, pendingReply: 0 };
    const cursor = this.model.find(query, unread).sort({ invitedAt: 1, _id: 1 }).lean<Doc[]>().cursor({ batchSize });
    for await (const doc of cursor) yield toRecord(doc as Doc);
  }
}

