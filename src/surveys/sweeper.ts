import type { FastifyBaseLogger } from 'fastify';
import type { DialogPolicy } from '../dialogs/types.js';
import { erasedAddress, housekeeping, unconfirmedReplyKey, type AlertEvent, type NewOutboxItem, type OwedEffect, type Store, type SurveyRecord, type SurveyWebhookEvent } from '../store/index.js';
import type { Conversations } from './conversations.js';
import type { Outbox } from './outbox.js';
import { refreshLargeWeeks } from '../insights/week-analysis.js';
import { refreshWeekNotes } from '../insights/week-notes.js';
import { closeWeeks, lastClosableWeek } from './week-counts.js';

/**
 * How long an answer's replies may stay unconfirmed before the sweeper sends them itself: far longer
 * than a webhook request lasts (Twilio waits 15 s for an answer by default) and than the receipt's
 * own retries (about 40 s), so the sweeper does not send what the first request or a prompt
 * redelivery sent. A redelivery that comes later finds them no longer pending and sends nothing.
 */
export const unconfirmedReplyMs = 2 * 60_000;

/** Work the sweeper drives for the owner's side: owed alerts and webhook events, the weekly digest, webhook deliveries. */
export interface SweepSteps {
  alerts: { outboxItems(survey: SurveyRecord, events: readonly AlertEvent[]): Promise<NewOutboxItem[]> };
  digests: { sweep(): Promise<number> };
  webhooks: { emitSurvey(survey: SurveyRecord, events: readonly SurveyWebhookEvent[]): Promise<string[]>; sweep(limit: number): Promise<number> };
}

export interface SweepResult {
  reminded: number;
  expired: number;
  sent: number;
  /** Surveys whose owed effects (alerts, webhook events, reminders) were queued. */
  owed: number;
  /** Answers whose replies never reached the provider, queued to be sent (see `unconfirmedReplyMs`). */
  repliesQueued: number;
  /** Weeks whose counters were recounted from their surveys and closed. */
  weeksClosed: number;
  /** Large open weeks whose analysis was computed again. */
  analysed: number;
  digests: number;
  /** Webhook delivery attempts. */
  webhooks: number;
}

/**
 * Timers and queued work, driven from the database. Every change is a guarded single-document write
 * (a survey's revision, an outbox item's attempt, a digest's revision), so several server instances
 * can sweep at once and each thing still happens once.
 */
export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly store: Store,
    private readonly conversations: Conversations,
    private readonly outbox: Outbox,
    private readonly owners: SweepSteps,
    private readonly policy: DialogPolicy,
    private readonly now: () => Date,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** One pass: expiries, reminders, owed effects, due sends, webhook deliveries, housekeeping, closing weeks, large weeks' analyses, then the weekly digest. */
  async sweep(batch = 200): Promise<SweepResult> {
    const now = this.now();
    let reminded = 0;
    let expired = 0;
    for (const id of await this.store.surveys.openInvitedBefore(new Date(now.getTime() - this.policy.ttlMs), batch)) {
      const result = await this.conversations.advanceById(id, { type: 'timer', timer: 'expire' });
      if (result?.events.length) expired++;
    }
    for (const id of await this.store.surveys.unremindedBefore(new Date(now.getTime() - this.policy.reminderAfterMs), batch)) {
      const result = await this.conversations.advanceById(id, { type: 'timer', timer: 'remind' });
      if (result?.outbound.length) reminded++;
    }
    const owed = await this.queueOwed(batch);
    const repliesQueued = await this.queueUnconfirmedReplies(now, batch);
    const sent = await this.outbox.flushDue(batch);
    const webhooks = await this.owners.webhooks.sweep(batch);
    await housekeeping(this.store, now);
    const weeksClosed = await closeWeeks(this.store, now, this.policy.ttlMs);
    // Large weeks still open: their analyses computed again when out of date, here rather than while a report waits.
    const analysed = await refreshLargeWeeks(this.store, lastClosableWeek(now, this.policy.ttlMs), { notes: refreshWeekNotes });
    const digests = await this.owners.digests.sweep();
    return { reminded, expired, sent, owed, repliesQueued, weeksClosed, analysed, digests, webhooks };
  }

  /**
   * The effects surveys owe (the reminders just written, and whatever a crash left): queued under
   * names of their own (so once), then cleared in one write per survey. An erased survey's alerts and
   * messages are dropped; a message owed by an earlier revision is moot.
   */
  private async queueOwed(batch: number): Promise<number> {
    const now = this.now();
    const surveys = await this.store.surveys.withOwed(batch);
    for (const s of surveys) {
      const erased = s.address === erasedAddress;
      const of = <T extends OwedEffect['type']>(type: T) => s.owed.filter((o): o is Extract<OwedEffect, { type: T }> => o.type === type);
      const sends = erased ? [] : of('send').filter((o) => o.rev === s.rev);
      const alerts = erased ? [] : await this.owners.alerts.outboxItems(s, of('alert').map((o) => o.event));
      const reminders = sends.map((o, i) => ({ businessId: s.businessId, channel: s.channel, address: s.address, purpose: 'reminder' as const, surveyId: s.id, message: o.message, nextAttemptAt: new Date(now.getTime() + i), key: o.key }));
      await this.outbox.enqueue([...alerts, ...reminders]);
      await this.owners.webhooks.emitSurvey(s, of('webhook').map((o) => o.event));
      await this.store.surveys.clearOwed(s.id, s.owed);
    }
    return surveys.length;
  }

  /**
   * Replies to an answer that never reached the provider: stored with the answer, and neither
   * confirmed delivered nor asked for again by a redelivery within `unconfirmedReplyMs`. An SMS
   * reply rides in the webhook's answer, and Twilio, by default, asks again only when it could not
   * connect: a server that died after storing the answer, or a request Twilio gave up on, left the
   * customer without the next question for good. Queued here under names of their own (so once,
   * whichever instances sweep), in order, then no longer pending: a redelivery after this sends
   * nothing.
   */
  private async queueUnconfirmedReplies(now: Date, batch: number): Promise<number> {
    const surveys = await this.store.surveys.unconfirmedRepliesBefore(new Date(now.getTime() - unconfirmedReplyMs), batch);
    for (const s of surveys) {
      const { messageId, replies, at } = s.pendingReply;
      // Stored before they were handed over: any of them may have gone, which a provider's record can tell.
      if (s.address !== erasedAddress) await this.outbox.queueReplies(s, replies, (i) => unconfirmedReplyKey(s.channel, messageId, i), at);
      await this.store.surveys.dropPendingReply(s.id, messageId);
    }
    if (surveys.length) this.log.warn({ answers: surveys.length }, 'replies never confirmed delivered: queued to be sent');
    return surveys.length;
  }

  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return; // a slow pass is still going: skip a beat rather than pile up
      this.running = this.sweep()
        .catch((err: unknown) => this.log.error({ err }, 'sweep failed'))
        .finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
