import type { FastifyBaseLogger } from 'fastify';
import type { DetractorAlerts } from '../alerts/detractor-alerts.js';
import type { DigestScheduler } from '../digest/digest-scheduler.js';
import type { DialogPolicy } from '../dialogs/types.js';
import { housekeeping, type Store, type SurveyRecord } from '../store/index.js';
import type { Conversations } from './conversations.js';
import type { Outbox } from './outbox.js';

export interface SweepResult {
  reminded: number;
  expired: number;
  sent: number;
  alerts: number;
  digests: number;
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
    private readonly alerts: DetractorAlerts,
    private readonly digests: DigestScheduler,
    private readonly policy: DialogPolicy,
    private readonly now: () => Date,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** One pass: expiries, reminders, owed alerts, due sends, then the weekly digest. */
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
      if (!result?.survey.reminderDue) continue;
      await this.queueReminder(result.survey, now);
      reminded++;
    }
    // Reminders recorded by a pass that died before queueing them (queueing is named, so racing a live pass is harmless).
    for (const survey of await this.store.surveys.withReminderDue(now, batch)) await this.queueReminder(survey, now);
    await this.conversations.settleCounts(batch);
    const alerts = await this.alerts.sweep(batch);
    const sent = await this.outbox.flushDue(batch);
    await housekeeping(this.store, now);
    const digests = await this.digests.sweep();
    return { reminded, expired, sent, alerts, digests };
  }

  /** Queue a survey's owed reminder (named by survey: queued once however often this runs), then clear it. */
  private async queueReminder(s: SurveyRecord, now: Date): Promise<void> {
    // Answered or closed since: too late for a reminder.
    if (s.state === 'invited' && s.reminderDue) {
      await this.outbox.enqueue(
        s.reminderDue.messages.map((message, i) => ({ businessId: s.businessId, channel: s.channel, address: s.address, purpose: 'reminder' as const, surveyId: s.id, message, nextAttemptAt: new Date(now.getTime() + i), key: `reminder:${s.id}:${i}` })),
      );
    }
    await this.store.surveys.clearReminder(s.id);
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
