import type { FastifyBaseLogger } from 'fastify';
import type { Types } from 'mongoose';
import type { Channel, ChannelName, DeliveryUpdate, Outbound } from '../channels/channel.js';
import { claim, type Store } from '../store/index.js';

export interface EnqueueInput {
  businessId: string;
  channel: ChannelName;
  address: string;
  purpose: 'invitation' | 'reminder' | 'reply' | 'alert' | 'digest';
  surveyId?: Types.ObjectId;
  messages: Outbound[];
  at: Date;
  /** Ids chosen by the caller, one per message, so a retried enqueue cannot queue twice (duplicate key). */
  ids?: Types.ObjectId[];
}

/** How far along a message is; a report never moves it back (final states share a rank). */
const statusRank: Record<DeliveryUpdate['status'], number> = { queued: 0, sent: 1, delivered: 2, undelivered: 2, failed: 2, read: 3 };
const deliveryStatuses = Object.keys(statusRank) as Array<DeliveryUpdate['status']>;
const maxAttempts = 8;
/** A claim older than this is an interrupted send: it is marked failed, never sent twice. */
const claimMs = 5 * 60_000;

/**
 * Pending sends in the database. A message is claimed with one atomic update before it is sent, so
 * two workers (or two server instances) never send the same item; failures retry with backoff.
 */
export class Outbox {
  constructor(
    private readonly store: Store,
    private readonly channels: ReadonlyMap<ChannelName, Channel>,
    private readonly now: () => Date,
    private readonly log: FastifyBaseLogger,
    private readonly onOptOut: (channel: ChannelName, address: string, reason: string) => Promise<void>,
  ) {}

  async enqueue(input: EnqueueInput): Promise<Types.ObjectId[]> {
    const docs = await this.store.outbox.insertMany(
      input.messages.map((message, i) => ({
        ...(input.ids?.[i] ? { _id: input.ids[i] } : {}),
        businessId: input.businessId,
        channel: input.channel,
        address: input.address,
        purpose: input.purpose,
        surveyId: input.surveyId,
        message,
        // Keep the order of a multi-part message when a worker picks items by time.
        nextAttemptAt: new Date(input.at.getTime() + i),
      })),
    );
    return docs.map((d) => d._id);
  }

  /** Send these items now, in order; returns the status of the last one. */
  async deliver(ids: readonly Types.ObjectId[]): Promise<string> {
    let status = 'pending';
    for (const id of ids) status = await this.sendOne({ _id: id });
    return status;
  }

  /** Send what is due. Returns how many items were attempted. */
  async flushDue(limit = 50): Promise<number> {
    const now = this.now();
    await this.store.outbox.updateMany(
      { state: 'sending', lockedUntil: { $lt: now } },
      { $set: { state: 'failed', error: 'send interrupted; not retried to avoid a duplicate' } },
    );
    let attempted = 0;
    while (attempted < limit) {
      const status = await this.sendOne({ state: 'pending', nextAttemptAt: { $lte: now } });
      if (status === 'none') break;
      attempted++;
    }
    return attempted;
  }

  private async sendOne(filter: Record<string, unknown>): Promise<string> {
    const now = this.now();
    let item;
    // Candidates in time order; the unique claim per (item, attempt) makes exactly one worker send it.
    for (let tries = 0; tries < 5 && !item; tries++) {
      const candidate = await this.store.outbox.findOne({ ...filter, state: 'pending', nextAttemptAt: { $lte: now } }, { _id: 1, attempts: 1 }).sort({ nextAttemptAt: 1 }).lean();
      if (!candidate) return 'none';
      if (!(await claim(this.store, `outbox:${candidate._id.toString()}:${candidate.attempts}`, now))) continue;
      item = await this.store.outbox.findOneAndUpdate(
        { _id: candidate._id },
        { $set: { state: 'sending', lockedUntil: new Date(now.getTime() + claimMs) }, $inc: { attempts: 1 } },
        { returnDocument: 'after' },
      );
    }
    if (!item) return 'none';
    const channelName = item.channel as ChannelName;
    const finish = async (set: Record<string, unknown>) => {
      await this.store.outbox.updateOne({ _id: item._id }, { $set: set, $unset: { lockedUntil: 1 } });
      if (item.surveyId && item.purpose === 'invitation') {
        await this.store.surveys.updateOne(
          { _id: item.surveyId },
          { $set: { delivery: { status: set.state === 'sent' ? 'sent' : set.state, providerMessageId: set.providerMessageId, error: set.error, updatedAt: now } } },
        );
      }
      return set.state as string;
    };

    const customer = await this.store.customers.findOne({ businessId: item.businessId, channel: channelName, address: item.address }, { optedOutAt: 1 }).lean();
    if (customer?.optedOutAt) return finish({ state: 'failed', error: 'opted out' });
    const channel = this.channels.get(channelName);
    if (!channel) return finish({ state: 'failed', error: `channel ${channelName} is not enabled` });

    const delivery = await channel.send(item.address, item.message as Outbound).catch((err: Error) => ({
      status: 'failed' as const,
      error: err.message,
      retryable: true,
      optedOut: false,
      retryAfterSeconds: undefined,
      providerMessageId: undefined,
    }));
    if (delivery.status === 'sent') return finish({ state: 'sent', sentAt: now, providerMessageId: delivery.providerMessageId });
    if (delivery.optedOut) {
      await this.onOptOut(channelName, item.address, `provider refused: ${delivery.error ?? 'opted out'}`);
      return finish({ state: 'failed', error: delivery.error ?? 'opted out' });
    }
    if (delivery.retryable && item.attempts < maxAttempts) {
      const backoff = delivery.retryAfterSeconds ? delivery.retryAfterSeconds * 1000 : Math.min(2 ** item.attempts * 5_000, 3_600_000);
      const jitter = backoff * 0.2 * Math.random();
      this.log.warn({ channel: channelName, attempt: item.attempts, error: delivery.error }, 'send failed; will retry');
      await this.store.outbox.updateOne(
        { _id: item._id },
        { $set: { state: 'pending', error: delivery.error, nextAttemptAt: new Date(now.getTime() + backoff + jitter) }, $unset: { lockedUntil: 1 } },
      );
      return 'retrying';
    }
    this.log.warn({ channel: channelName, error: delivery.error }, 'send failed');
    return finish({ state: 'failed', error: delivery.error ?? 'failed' });
  }

  /** A provider's delivery report for a message we sent. */
  async recordDelivery(update: DeliveryUpdate): Promise<void> {
    const at = this.now();
    // Providers do not promise order: a late "sent" must not overwrite "delivered".
    const later = { $nin: deliveryStatuses.filter((s) => statusRank[s] > statusRank[update.status]) };
    await this.store.outbox.updateOne(
      { channel: update.channel, providerMessageId: update.providerMessageId, deliveryStatus: later },
      { $set: { deliveryStatus: update.status, ...(update.errorCode ? { error: update.errorCode } : {}) } },
    );
    await this.store.surveys.updateOne(
      { channel: update.channel, 'delivery.providerMessageId': update.providerMessageId, 'delivery.status': later },
      { $set: { 'delivery.status': update.status, 'delivery.updatedAt': at, ...(update.errorCode ? { 'delivery.error': update.errorCode } : {}) } },
    );
  }
}
