import type { FastifyBaseLogger } from 'fastify';
import type { DialogPolicy } from '../dialogs/types.js';
import { housekeeping, type Store } from '../store/index.js';
import type { Conversations } from './conversations.js';
import type { Outbox } from './outbox.js';

/** Work the sweeper drives for the owner's side: owed alerts, the weekly digest, outbound webhooks. Each returns how much it did. */
export interface SweepSteps {
  alerts: { sweep(limit: number): Promise<number> };
  digests: { sweep(): Promise<number> };
  webhooks: { sweep(limit: number): Promise<number> };
}

export interface SweepResult {
  reminded: number;
  expired: number;
  sent: number;
  alerts: number;
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

  /** One pass: expiries, reminders, owed alerts, due sends, webhook events and deliveries, then the weekly digest. */
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
    // The reminders just written, and any a crash left owed: queued under the survey's name, so once.
    for (const s of await this.store.surveys.withSendsDue(batch)) {
      await this.outbox.enqueue(
        s.sendsDue.map((message, i) => ({ businessId: s.businessId, channel: s.channel, address: s.address, purpose: 'reminder' as const, surveyId: s.id, message, nextAttemptAt: new Date(now.getTime() + i), key: `reminder:${s.id}:${i}` })),
      );
      await this.store.surveys.clearSends(s.id);
    }
    await this.conversations.settleCounts(batch);
    const alerts = await this.owners.alerts.sweep(batch);
    const sent = await this.outbox.flushDue(batch);
    const webhooks = await this.owners.webhooks.sweep(batch);
    await housekeeping(this.store, now);
    const digests = await this.owners.digests.sweep();
    return { reminded, expired, sent, alerts, digests, webhooks };
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
