import { createHash } from 'node:crypto';
import { Schema, Types, type Connection } from 'mongoose';
import { modelOn, type AnyModel } from './model.js';
import { insertOnce, nextDue, take } from './work-queue.js';
import type { WriteGuard } from './write-guard.js';

/**
 * Outbound webhooks: a business's subscriptions (URL, events, signing secret sealed at rest) and
 * the queue of deliveries, which is also their record. A delivery's `_id` is derived from its
 * subscription and event, so queueing the same event twice delivers it once.
 */
const subscriptionSchema = new Schema(
  {
    businessId: { type: String, required: true },
    url: { type: String, required: true },
    events: { type: [String], required: true },
    /** The signing secret, sealed by the server's SecretBox; never returned by the service. */
    secretSealed: { type: String, required: true },
    active: { type: Boolean, default: true },
    /** Why it stopped being active (the receiver answered 410 Gone). */
    disabledReason: String,
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
subscriptionSchema.index({ businessId: 1, active: 1 });

const deliverySchema = new Schema(
  {
    businessId: { type: String, required: true },
    subscriptionId: { type: Schema.Types.ObjectId, required: true },
    eventId: { type: String, required: true },
    eventType: { type: String, required: true },
    /** The JSON body exactly as sent, so every attempt signs and sends the same bytes. */
    body: { type: String, required: true },
    state: { type: String, enum: ['pending', 'sending', 'delivered', 'failed'], default: 'pending' },
    attempts: { type: Number, default: 0 },
    /** The latest attempts, oldest first (at most `historyLength`). */
    history: [{ _id: false, at: Date, status: Number, error: String }],
    createdAt: { type: Date, required: true },
    nextAttemptAt: { type: Date, required: true },
    lockedUntil: Date,
    finishedAt: Date,
  },
  { versionKey: false },
);
deliverySchema.index({ state: 1, nextAttemptAt: 1 });
deliverySchema.index({ businessId: 1, subscriptionId: 1, createdAt: -1 });
// The deliveries of an event (export and erasure).
deliverySchema.index({ businessId: 1, eventId: 1, createdAt: 1 });

export const webhookEventTypes = ['survey.completed', 'survey.scored', 'survey.expired', 'customer.opted_out', 'detractor.alert'] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];
/** The events a survey's own change owes (an opt-out is owed by the customer's write). */
export type SurveyWebhookEvent = Exclude<WebhookEventType, 'customer.opted_out'>;
export const surveyWebhookEvents: readonly SurveyWebhookEvent[] = ['survey.completed', 'survey.scored', 'survey.expired', 'detractor.alert'];
export type WebhookDeliveryState = 'pending' | 'sending' | 'delivered' | 'failed';

export interface WebhookSubscription {
  id: string;
  businessId: string;
  url: string;
  events: WebhookEventType[];
  active: boolean;
  disabledReason?: string;
  createdAt: Date;
}

export interface WebhookAttempt {
  at: Date;
  /** The receiver's HTTP status, when it answered. */
  status?: number;
  /** What went wrong when it did not answer 2xx (a timeout, a refused connection, a redirect). */
  error?: string;
}

export interface WebhookDelivery {
  id: string;
  businessId: string;
  subscriptionId: string;
  eventId: string;
  eventType: WebhookEventType;
  body: string;
  state: WebhookDeliveryState;
  attempts: number;
  history: WebhookAttempt[];
  createdAt: Date;
  nextAttemptAt: Date;
  finishedAt?: Date;
}

const historyLength = 10;

/** The delivery id of an event for a subscription: the same pair always gives the same id. */
export const deliveryIdOf = (subscriptionId: string, eventId: string): string => createHash('sha256').update(`webhook:${subscriptionId}:${eventId}`).digest('hex').slice(0, 24);

const objectId = (id: string) => (/^[a-f0-9]{24}$/i.test(id) ? new Types.ObjectId(id) : undefined);
const opt = <T>(v: unknown) => (v === null || v === undefined ? undefined : (v as T));

type Doc = Record<string, unknown> & { _id: Types.ObjectId };

function toSubscription(d: Doc): WebhookSubscription & { secretSealed: string } {
  return {
    id: d._id.toString(),
    businessId: d.businessId as string,
    url: d.url as string,
    events: d.events as WebhookEventType[],
    active: d.active !== false,
    disabledReason: opt(d.disabledReason),
    createdAt: d.createdAt as Date,
    secretSealed: d.secretSealed as string,
  };
}

function toDelivery(d: Doc): WebhookDelivery {
  return {
    id: d._id.toString(),
    businessId: d.businessId as string,
    subscriptionId: (d.subscriptionId as Types.ObjectId).toString(),
    eventId: d.eventId as string,
    eventType: d.eventType as WebhookEventType,
    body: d.body as string,
    state: d.state as WebhookDeliveryState,
    attempts: (d.attempts as number | undefined) ?? 0,
    history: ((d.history as Array<Record<string, unknown>> | undefined) ?? []).map((h) => ({ at: h.at as Date, ...(typeof h.status === 'number' ? { status: h.status } : {}), ...(h.error ? { error: h.error as string } : {}) })),
    createdAt: d.createdAt as Date,
    nextAttemptAt: d.nextAttemptAt as Date,
    finishedAt: opt(d.finishedAt),
  };
}

export class WebhookSubscriptionRepository {
  constructor(readonly model: AnyModel) {}

  static model(conn: Connection): AnyModel {
    return modelOn(conn, 'WebhookSubscription', subscriptionSchema, 'webhook_subscriptions');
  }

  async insert(s: Omit<WebhookSubscription, 'id' | 'active' | 'disabledReason'> & { secretSealed: string }): Promise<WebhookSubscription> {
    const doc = await this.model.create({ ...s, active: true });
    const { secretSealed: _sealed, ...subscription } = toSubscription(doc.toObject() as Doc);
    return subscription;
  }

  /** The business's subscriptions, oldest first, without their secrets. */
  async list(businessId: string): Promise<WebhookSubscription[]> {
    const docs = await this.model.find({ businessId }, { secretSealed: 0 }).sort({ createdAt: 1, _id: 1 }).lean<Doc[]>();
    return docs.map((d) => {
      const { secretSealed: _sealed, ...subscription } = toSubscription(d);
      return subscription;
    });
  }

  /** One subscription of the business, with its sealed secret (for signing). */
  async withSecret(businessId: string, id: string): Promise<(WebhookSubscription & { secretSealed: string }) | undefined> {
    const _id = objectId(id);
    const doc = _id ? await this.model.findOne({ _id, businessId }).lean<Doc>() : null;
    return doc ? toSubscription(doc) : undefined;
  }

  /** The business's active subscriptions, without their secrets. */
  async active(businessId: string): Promise<WebhookSubscription[]> {
    const docs = await this.model.find({ businessId, active: true }, { secretSealed: 0 }).lean<Doc[]>();
    return docs.map((d) => {
      const { secretSealed: _sealed, ...subscription } = toSubscription(d);
      return subscription;
    });
  }

  async businessesWithActive(): Promise<string[]> {
    return (await this.model.distinct('businessId', { active: true })) as string[];
  }

  async disable(businessId: string, id: string, reason: string): Promise<void> {
    const _id = objectId(id);
    if (_id) await this.model.updateOne({ _id, businessId }, { $set: { active: false, disabledReason: reason } });
  }

  async remove(businessId: string, id: string): Promise<boolean> {
    const _id = objectId(id);
    return _id ? (await this.model.deleteOne({ _id, businessId })).deletedCount === 1 : false;
  }
}

export class WebhookDeliveryRepository {
  constructor(
    readonly model: AnyModel,
    private readonly guard: WriteGuard,
  ) {}

  static model(conn: Connection): AnyModel {
    return modelOn(conn, 'WebhookDelivery', deliverySchema, 'webhook_deliveries');
  }

  /** Queue deliveries (pending); one already queued under the same id is left as it is. Returns every id. */
  async enqueue(items: ReadonlyArray<{ businessId: string; subscriptionId: string; eventId: string; eventType: WebhookEventType; body: string; at: Date }>): Promise<string[]> {
    const docs = items.map((i) => ({
      _id: new Types.ObjectId(deliveryIdOf(i.subscriptionId, i.eventId)),
      businessId: i.businessId,
      subscriptionId: new Types.ObjectId(i.subscriptionId),
      eventId: i.eventId,
      eventType: i.eventType,
      body: i.body,
      createdAt: i.at,
      nextAttemptAt: i.at,
    }));
    if (!docs.length) return [];
    await insertOnce(this.model, docs);
    return docs.map((d) => d._id.toString());
  }

  /** The oldest due pending delivery (of `ids` when given). */
  async nextDue(now: Date, ids?: readonly string[]): Promise<WebhookDelivery | undefined> {
    const doc = await nextDue(this.model, now, ids);
    return doc ? toDelivery(doc) : undefined;
  }

  /** Take a pending delivery for one attempt: exactly one caller gets it. */
  async take(item: WebhookDelivery, lockedUntil: Date): Promise<WebhookDelivery | null> {
    const doc = await take(this.model, this.guard, 'webhook_deliveries', item, lockedUntil);
    return doc ? toDelivery(doc) : null;
  }

  /** Record an attempt of a taken delivery: finished (`delivered`, `failed`) or pending again at `retryAt`. */
  async settle(item: WebhookDelivery, attempt: WebhookAttempt, outcome: { state: 'delivered' | 'failed'; at: Date } | { state: 'pending'; retryAt: Date }): Promise<void> {
    const history = [...item.history, attempt].slice(-historyLength);
    const set = outcome.state === 'pending' ? { state: 'pending', nextAttemptAt: outcome.retryAt, history } : { state: outcome.state, finishedAt: outcome.at, history };
    await this.guard.single({ collection: 'webhook_deliveries', id: item.id }, () => this.model.updateOne({ _id: new Types.ObjectId(item.id), state: 'sending' }, { $set: set, $unset: { lockedUntil: 1 } }));
  }

  /**
   * Deliveries whose sender died mid-attempt go back to pending: a receiver may get an event twice
   * (it de-duplicates by its id), which beats never getting it.
   */
  async releaseInterrupted(now: Date): Promise<void> {
    await this.model.updateMany({ state: 'sending', lockedUntil: { $lt: now } }, { $set: { state: 'pending', nextAttemptAt: now }, $unset: { lockedUntil: 1 } });
  }

  /** The latest deliveries of one subscription of the business, newest first. */
  async latest(businessId: string, subscriptionId: string, limit: number): Promise<WebhookDelivery[]> {
    const _id = objectId(subscriptionId);
    if (!_id) return [];
    const docs = await this.model.find({ businessId, subscriptionId: _id }).sort({ createdAt: -1, _id: -1 }).limit(limit).lean<Doc[]>();
    return docs.map(toDelivery);
  }

  async removeOf(businessId: string, subscriptionId: string): Promise<void> {
    const _id = objectId(subscriptionId);
    if (_id) await this.model.deleteMany({ businessId, subscriptionId: _id });
  }

  /** Finished deliveries older than `before` (their bodies may hold a comment: kept no longer than needed). */
  async deleteFinishedBefore(before: Date): Promise<void> {
    await this.model.deleteMany({ state: { $in: ['delivered', 'failed'] }, finishedAt: { $lt: before } });
  }

  /**
   * Deliveries of a person's events: of these surveys (`<type>:<surveyId>`) and of these customers'
   * opt-outs (`customer.opted_out:<customerId>:<ms>`), oldest first.
   */
  async ofPerson(businessId: string, surveyIds: readonly string[], customerIds: readonly string[]): Promise<Array<{ id: string; eventId: string; eventType: string; state: string; createdAt: Date; body: string }>> {
    const eventIds = surveyIds.flatMap((id) => surveyWebhookEvents.map((type) => `${type}:${id}`));
    const or = [{ eventId: { $in: eventIds } }, ...customerIds.map((id) => ({ eventId: { $regex: `^customer\\.opted_out:${id}:` } }))];
    const docs = await this.model.find({ businessId, $or: or }, { eventId: 1, eventType: 1, state: 1, createdAt: 1, body: 1 }).sort({ createdAt: 1, _id: 1 }).lean<Doc[]>();
    return docs.map((d) => ({ id: d._id.toString(), eventId: d.eventId as string, eventType: d.eventType as string, state: d.state as string, createdAt: d.createdAt as Date, body: d.body as string }));
  }

  /** Rewrite what a delivery sends (an erasure removes the comment); later attempts sign the new body. */
  async setBody(businessId: string, id: string, body: string): Promise<void> {
    await this.guard.single({ collection: 'webhook_deliveries', id }, () => this.model.updateOne({ _id: new Types.ObjectId(id), businessId }, { $set: { body } }));
  }
}
