import type { FastifyBaseLogger } from 'fastify';
import type { DialogPolicy } from '../dialogs/types.js';
import type { Store } from '../store/index.js';
import type { Outbox } from './outbox.js';
import type { SurveyService } from './survey-service.js';

/**
 * Timers and the outbox, driven from the database. Every change is claimed with an atomic update
 * in `SurveyService.advance` / `Outbox`, so several server instances can sweep at once.
 */
export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly store: Store,
    private readonly surveys: SurveyService,
    private readonly outbox: Outbox,
    private readonly policy: DialogPolicy,
    private readonly now: () => Date,
    private readonly log: FastifyBaseLogger,
    /** Runs after the outbox flush on every pass (weekly digests). */
    private readonly afterFlush: () => Promise<number> = async () => 0,
  ) {}

  /** One pass: reminders, expiries, then due sends. Returns what it did, for tests and logs. */
  async sweep(batch = 200): Promise<{ reminded: number; expired: number; sent: number; digests: number }> {
    const now = this.now();
    let reminded = 0;
    let expired = 0;
    const expireBefore = new Date(now.getTime() - this.policy.ttlMs);
    const due = await this.store.surveys
      .find({ state: { $in: ['invited', 'awaiting_comment'] }, invitedAt: { $lte: expireBefore } }, { _id: 1 })
      .limit(batch)
      .lean();
    for (const { _id } of due) {
      const result = await this.surveys.advance({ _id }, { type: 'timer', timer: 'expire' });
      if (result?.events.length) expired++;
    }

    const remindBefore = new Date(now.getTime() - this.policy.reminderAfterMs);
    const toRemind = await this.store.surveys
      .find({ state: 'invited', remindedAt: null, invitedAt: { $lte: remindBefore } }, { _id: 1 })
      .limit(batch)
      .lean();
    for (const { _id } of toRemind) {
      const result = await this.surveys.advance({ _id }, { type: 'timer', timer: 'remind' });
      if (!result?.outbound.length) continue;
      const s = result.survey;
      await this.outbox.enqueue({
        businessId: s.businessId,
        channel: s.channel as never,
        address: s.address,
        purpose: 'reminder',
        surveyId: s._id,
        messages: result.outbound,
        at: now,
      });
      reminded++;
    }
    const sent = await this.outbox.flushDue(batch);
    await this.housekeeping(now);
    const digests = await this.afterFlush();
    return { reminded, expired, sent, digests };
  }

  /**
   * What no TTL index removes (FerretDB has none): claims only guard steps in flight; providers retry
   * a message for a day at most (and Telegram may reuse update ids after a quiet week); an invitation
   * is kept a month past its expiry as the record of who used it.
   */
  private async housekeeping(now: Date): Promise<void> {
    const ago = (days: number) => new Date(now.getTime() - days * 86_400_000);
    await this.store.claims.deleteMany({ at: { $lt: ago(1) } });
    await this.store.inbound.deleteMany({ receivedAt: { $lt: ago(3) } });
    await this.store.invitations.deleteMany({ expiresAt: { $lt: ago(30) } });
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
