import type { FastifyBaseLogger } from 'fastify';
import { sendsUnderWay, type ChannelName, type ChannelSender, type Delivery, type DeliveryUpdate, type Outbound } from '../domain/channels.js';
import type { NewOutboxItem, OutboxItem, Store } from '../store/index.js';
import { SendLines } from './send-line.js';

const maxAttempts = 8;
/** A send still marked as under way after this long was interrupted (see `recoverInterrupted`). */
const lockMs = 5 * 60_000;
/** The wait before an item's next attempt: 5 s, doubling with each attempt made, at most `capMs`. */
const backoffMs = (attempts: number, capMs: number): number => Math.min(2 ** attempts * 5_000, capMs);
/** The error an item keeps while it waits for the provider's record to tell whether its last send went. */
const recordNotToldYet = 'the provider\'s record could not tell yet whether the last send went';

/** `cancelled`: a queued message its survey no longer needs (answered, ended, invitation undelivered). */
export type SendStatus = 'sent' | 'failed' | 'cancelled' | 'retrying' | 'pending' | 'none';

/**
 * Messages out: sent now when the caller is there to wait (an invitation, a reply), or queued and
 * sent by the sweeper. Every item is taken for sending by exactly one worker; failures retry with
 * backoff; a provider's refusal records the opt-out.
 */
export class Outbox {
  private readonly soon: SendLines;

  constructor(
    private readonly store: Store,
    /** A business's sender on a channel (each business has its own numbers, bots and apps). */
    private readonly channelOf: (businessId: string, channel: ChannelName) => Promise<ChannelSender | undefined>,
    private readonly recordOptOut: (businessId: string, channel: ChannelName, address: string, reason: string) => Promise<void>,
    private readonly now: () => Date,
    private readonly log: FastifyBaseLogger,
  ) {
    this.soon = new SendLines((ids) => this.deliver(ids), log);
  }

  /** Queue messages for the sweeper (or `deliver`); keyed items already queued are not queued again. */
  enqueue(items: readonly NewOutboxItem[]): Promise<string[]> {
    return this.store.outbox.enqueue(items);
  }

  /**
   * Replies to a person's message that did not reach them, queued to go now, in order (a
   * millisecond apart: items are taken by time, and keyed ids have no order of their own), the
   * `i`th under `key(i)`, so queueing them again adds nothing. `unconfirmedSince`: they may have
   * reached the provider from then on, unanswered (see `OutboxItem.unconfirmedSince`).
   */
  async queueReplies(to: { businessId: string; channel: ChannelName; address: string }, replies: readonly Outbound[], key: (i: number) => string, unconfirmedSince?: Date): Promise<void> {
    const { businessId, channel, address } = to;
    const at = this.now().getTime();
    await this.enqueue(replies.map((message, i) => ({ businessId, channel, address, purpose: 'reply', message, nextAttemptAt: new Date(at + i), key: key(i), ...(unconfirmedSince ? { unconfirmedSince } : {}) })));
  }

  /**
   * Send one message now, and keep the record. A channel whose send is a write of our own (web chat)
   * is sent first and recorded after, in one write each; any other is recorded as being sent first,
   * so no other worker picks it up, then settled.
   */
  async sendNow(item: Omit<NewOutboxItem, 'nextAttemptAt'>): Promise<SendStatus> {
    const now = this.now();
    const channel = await this.channelOf(item.businessId, item.channel);
    const queued = { ...item, nextAttemptAt: now };
    if (channel?.local) {
      const delivery = await channel.send(item.address, item.message);
      await this.store.outbox.insertFinished(queued, { state: delivery.status, providerMessageId: delivery.providerMessageId, error: delivery.error, ...(delivery.status === 'sent' ? { sentAt: now } : {}) });
      return delivery.status;
    }
    const taken = await this.store.outbox.insertSending(queued, new Date(now.getTime() + lockMs));
    return this.settle(taken, channel);
  }

  /**
   * Send these queued items now, in order; returns the status of the last one. Items queued just
   * now are taken in one write, with no read before it (a campaign's every send saved a round
   * trip); one tried before, or not due, is read first as the sweeper reads it.
   */
  async deliver(ids: readonly string[]): Promise<SendStatus> {
    let status: SendStatus = 'pending';
    for (const id of ids) {
      const now = this.now();
      const taken = await this.store.outbox.takeFirstAttempt(id, now, new Date(now.getTime() + lockMs));
      status = taken ? await this.sendTaken([taken]) : await this.sendNext([id]);
    }
    return status;
  }

  /**
   * Queue items already taken for sending by this caller, in one write (no read, no take to follow):
   * returns those queued now, for `sendTaken`. An item whose key is already queued is left as it is
   * (whoever queued it, or the sweeper, sends it).
   */
  takeNew(items: readonly NewOutboxItem[]): Promise<OutboxItem[]> {
    return this.store.outbox.insertTaken(items, new Date(this.now().getTime() + lockMs));
  }

  /** Send items `takeNew` returned, in order; returns the status of the last one. */
  async sendTaken(items: readonly OutboxItem[]): Promise<SendStatus> {
    let status: SendStatus = 'none';
    for (const item of items) {
      const moot = await this.mootReason(item);
      status = moot ? await this.finish(item, moot) : await this.settle(item, await this.channelOf(item.businessId, item.channel));
    }
    return status;
  }

  /**
   * Send these queued items (one survey's messages, in order) after the caller has moved on: an
   * upload answers at once while its invitations go out at the channel's pace.
   */
  deliverSoon(item: { businessId: string; channel: ChannelName }, ids: readonly string[]): void {
    // The line's width follows its sender's pace; a channel that cannot be had sends at the least width (and fails there).
    void this.channelOf(item.businessId, item.channel)
      .catch(() => undefined)
      .then((channel) => this.soon.push(`${item.businessId}:${item.channel}`, ids, sendsUnderWay(channel?.perSecond)));
  }

  /** Start no more sends of `deliverSoon`; what has not started stays queued for the sweeper. */
  close(): Promise<void> {
    return this.soon.close();
  }

  /** Send what is due. Returns how many items were attempted. */
  async flushDue(limit = 50): Promise<number> {
    await this.recoverInterrupted(limit);
    let attempted = 0;
    while (attempted < limit && (await this.sendNext()) !== 'none') attempted++;
    return attempted;
  }

  private async sendNext(ids?: readonly string[]): Promise<SendStatus> {
    const now = this.now();
    // Candidates in time order; `take` lets exactly one worker have each attempt.
    for (let tries = 0; tries < 5; tries++) {
      const candidate = await this.store.outbox.nextDue(now, ids);
      if (!candidate) return 'none';
      const taken = await this.store.outbox.take(candidate, new Date(now.getTime() + lockMs));
      if (!taken) continue;
      const moot = await this.mootReason(taken);
      if (moot) return this.finish(taken, moot);
      return this.settle(taken, await this.channelOf(taken.businessId, taken.channel));
    }
    return 'none';
  }

  /**
   * Why a queued item must not go any more, read once as it leaves. An invitation or a reminder
   * needs its survey still waiting for the score (an answer, an opt-out or the end cancels it), and a
   * reminder also needs an invitation that was not reported undelivered (else `cancelled`); anything
   * else needs the person not opted out (else `failed`, as the digest's and alerts' retries expect).
   */
  private async mootReason(item: OutboxItem): Promise<{ state: 'cancelled' | 'failed'; error: string } | undefined> {
    if (item.surveyId && (item.purpose === 'invitation' || item.purpose === 'reminder')) {
      const survey = await this.store.surveys.byId(item.surveyId, item.businessId);
      if (!survey || survey.state !== 'invited') return { state: 'cancelled', error: `survey ${survey?.state ?? 'gone'}` };
      if (item.purpose === 'reminder' && survey.undeliveredAt) return { state: 'cancelled', error: 'invitation undelivered' };
      return undefined;
    }
    const customer = await this.store.customers.find({ businessId: item.businessId, channel: item.channel, address: item.address });
    return customer?.optedOutAt ? { state: 'failed', error: 'opted out' } : undefined;
  }

  private async settle(item: OutboxItem, channel: ChannelSender | undefined): Promise<SendStatus> {
    if (!channel) return this.finish(item, { state: 'failed', error: `channel ${item.channel} is not enabled` });
    // A send of it may have reached the provider unanswered: a record that shows it is the send (its
    // message id then the listed one's, so the provider's delivery reports find the item).
    const listed = item.unconfirmedSince && (await this.recordShows(item, channel, item.unconfirmedSince));
    if (listed) return this.finish(item, { state: 'sent', sentAt: this.now(), providerMessageId: listed });
    // A record that cannot tell now is asked once more after a backoff before the item goes anyway:
    // a message a little late rather than twice, and never none.
    if (listed === null && item.error !== recordNotToldYet && item.attempts < maxAttempts) {
      await this.store.outbox.retryAt(item.id, new Date(this.now().getTime() + backoffMs(item.attempts, 60_000)), recordNotToldYet);
      return 'retrying';
    }
    const attemptedAt = this.now();
    const delivery: Delivery = await channel.send(item.address, item.message).catch((err: Error) => ({ status: 'failed' as const, error: err.message, retryable: true, unanswered: true }));
    if (delivery.status === 'sent') return this.finish(item, { state: 'sent', sentAt: this.now(), providerMessageId: delivery.providerMessageId });
    if (delivery.optedOut) {
      await this.recordOptOut(item.businessId, item.channel, item.address, `provider refused: ${delivery.error ?? 'opted out'}`);
      return this.finish(item, { state: 'failed', error: delivery.error ?? 'opted out' });
    }
    if (delivery.retryable && item.attempts < maxAttempts) {
      const backoff = delivery.retryAfterSeconds ? delivery.retryAfterSeconds * 1000 : backoffMs(item.attempts, 3_600_000);
      const jitter = backoff * 0.2 * Math.random();
      this.log.warn({ channel: item.channel, attempt: item.attempts, error: delivery.error }, 'send failed; will retry');
      // An attempt that may have reached the provider (no answer said) makes the next one ask its record first.
      await this.store.outbox.retryAt(item.id, new Date(this.now().getTime() + backoff + jitter), delivery.error, delivery.unanswered ? attemptedAt : undefined);
      return 'retrying';
    }
    this.log.warn({ channel: item.channel, error: delivery.error }, 'send failed');
    return this.finish(item, { state: 'failed', error: delivery.error ?? 'failed' });
  }

  /**
   * Whether a send of this item made at or after `since` and never answered reached the provider
   * after all, as its record of messages shows (see `ChannelSender.sentSince`): the provider's
   * message id, `false`, `undefined` where the sender keeps no such record, and `null` where the
   * record (or what it needs to tell, a template's content) cannot be read now.
   */
  private async recordShows(item: OutboxItem, channel: ChannelSender | undefined, since: Date): Promise<string | false | undefined | null> {
    if (!channel?.sentSince) return undefined;
    try {
      return (await channel.sentSince(item.address, [item.message], since))[0];
    } catch (err) {
      this.log.warn({ channel: item.channel, error: (err as Error).message }, 'the provider\'s record of sent messages could not be read');
      return null;
    }
  }

  /**
   * Sends a crash interrupted (still `sending` past their lock), a batch at a time, each settled by
   * one worker. Where the sender's record can tell, one it shows is finished as sent and one it does
   * not goes again; anywhere else it is marked failed, never sent again: a duplicate is worse than a
   * gap when nothing can tell them apart.
   */
  private async recoverInterrupted(limit: number): Promise<void> {
    const now = this.now();
    for (const item of await this.store.outbox.interrupted(now, limit)) {
      // From the interrupted send's take on; one settled before and left for later, from that first send's.
      const takenAt = new Date(item.lockedUntil.getTime() - lockMs);
      const since = item.unconfirmedSince && item.unconfirmedSince < takenAt ? item.unconfirmedSince : takenAt;
      if (!(await this.store.outbox.reclaim(item, now, new Date(now.getTime() + lockMs), since))) continue;
      const channel = await this.channelOf(item.businessId, item.channel).catch(() => undefined);
      const shown = await this.recordShows(item, channel, since);
      // A record not read now is asked again when the new lock runs out, a few times, before it counts as one that cannot tell.
      if (shown === null && item.attempts + 1 < maxAttempts) continue;
      if (shown) await this.store.outbox.finish(item.id, { state: 'sent', sentAt: now, providerMessageId: shown });
      else if (shown === false) await this.store.outbox.retryAt(item.id, now, 'send interrupted; not in the provider\'s record', since);
      // Not `this.finish`: an invitation that may well have arrived keeps its reminder (which repeats the question).
      else await this.store.outbox.finish(item.id, { state: 'failed', error: 'send interrupted; not retried to avoid a duplicate' });
    }
  }

  private async finish(item: OutboxItem, outcome: { state: 'sent' | 'failed' | 'cancelled'; providerMessageId?: string; error?: string; sentAt?: Date }): Promise<SendStatus> {
    await this.store.outbox.finish(item.id, outcome);
    // A survey whose invitation never arrived owes no reminder.
    if (outcome.state === 'failed' && item.purpose === 'invitation' && item.surveyId) await this.store.threads.markUndelivered(item.surveyId, this.now());
    return outcome.state;
  }

  /** A provider's delivery report for a message we sent; an invitation reported lost cancels the survey's reminder. */
  async recordDelivery(update: DeliveryUpdate): Promise<void> {
    const item = await this.store.outbox.recordReport(update.channel, update.providerMessageId, update.status, update.errorCode);
    const lost = update.status === 'undelivered' || update.status === 'failed';
    if (lost && item?.purpose === 'invitation' && item.surveyId) await this.store.threads.markUndelivered(item.surveyId, this.now());
  }
}
