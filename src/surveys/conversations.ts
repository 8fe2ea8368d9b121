import type { FastifyBaseLogger } from 'fastify';
import { isOpen, step } from '../dialogs/index.js';
import type { DialogEvent, DialogInput, DialogPolicy, DialogSession } from '../dialogs/types.js';
import type { ChannelName, Outbound } from '../domain/channels.js';
import { bandOf } from '../domain/surveys.js';
import type { AlertEvent, OwedEffect, RollupMetric, Store, SurveyRecord } from '../store/index.js';
import { webhooksOwed } from '../outbound-webhooks/events.js';
import { businessWording } from '../content/wording.js';
import { reasonCohortPrefix, type ReasonQuestion } from '../domain/reasons.js';

/** The dialog state of a stored survey. */
export function sessionOf(s: SurveyRecord): DialogSession {
  return {
    kind: s.kind,
    state: s.state,
    locale: s.locale,
    // The context's parts fill a business's own wording; they are stored with the survey, not the dialog.
    vars: { ...s.vars, ...partsOf(s.context) },
    score: s.score,
    ...(s.reason !== undefined ? { reason: s.reason } : {}),
    comment: s.comment,
    reprompts: s.reprompts,
    invitedAt: s.invitedAt,
    remindedAt: s.remindedAt,
    answeredAt: s.answeredAt,
    completedAt: s.completedAt,
    endedAt: s.endedAt,
    abandonedAt: s.abandonedAt,
  };
}

function partsOf(context: SurveyRecord['context'] | undefined): Pick<DialogSession['vars'], 'product' | 'order' | 'location'> {
  const { product, order, location } = context ?? {};
  return { ...(product ? { product } : {}), ...(order ? { order } : {}), ...(location ? { location } : {}) };
}

export interface Applied {
  survey: SurveyRecord;
  outbound: Outbound[];
  events: DialogEvent[];
}

/** How many times a step is recomputed when other writers keep moving the survey first. */
const maxAttempts = 20;

/**
 * Running survey conversations: one dialog step, one atomic write of its result (which also records
 * the message that caused it and the effects it owes: owner alerts, webhook events, a reminder),
 * then the counters of its week.
 */
export class Conversations {
  constructor(
    private readonly store: Store,
    private readonly policy: DialogPolicy,
    private readonly now: () => Date,
    private readonly log: FastifyBaseLogger,
    /** Where the webhook events a change owes are queued once it is written (the sweeper repairs a crash). */
    private readonly webhooks: { queue(businessId: string, surveyId: string): void; queueCustomer(businessId: string, customerId: string): void },
  ) {}

  /**
   * Apply one input to `survey` as read. Returns null when another writer moved the survey first
   * (read it again and recompute); an input that changes nothing writes nothing.
   */
  async apply(survey: SurveyRecord, input: DialogInput, cause: { messageId?: string; keepReplies?: boolean; reasonQuestion?: ReasonQuestion } = {}): Promise<Applied | null> {
    const now = this.now();
    const wording = await businessWording(this.store, survey.businessId);
    const policy: DialogPolicy = { ...this.policy, ...(wording ? { wording } : {}), ...(cause.reasonQuestion ? { reasonQuestion: cause.reasonQuestion } : {}) };
    const result = step(sessionOf(survey), input, now, policy);
    if (result.events.length === 0 && result.outbound.length === 0) return { survey, outbound: [], events: [] };
    const next = result.session;
    const band = next.score !== undefined ? bandOf(next.kind, next.score) : undefined;
    const outbound = result.outbound.map((m) => ({ ...m, surveyId: survey.id }));
    const alerts = alertsOwed(band, result.events);
    const owed: OwedEffect[] = [
      ...alerts.map((event) => ({ type: 'alert' as const, event })),
      ...webhooksOwed(result.events, alerts).map((event) => ({ type: 'webhook' as const, event })),
      // A timer's messages (the reminder) have no request to carry them: the survey owes them until queued.
      ...(input.type === 'timer' ? outbound.map((message, i) => ({ type: 'send' as const, rev: survey.rev + 1, key: `reminder:${survey.id}:${i}`, message })) : []),
    ];
    const updated = await this.store.surveys.transition(survey, { ...next, band }, {
      messageId: cause.messageId,
      owed,
      reply: cause.keepReplies && outbound.length ? outbound : undefined,
      at: now,
    });
    if (!updated) return null;
    if (updated.owed.some((o) => o.type === 'webhook')) this.webhooks.queue(updated.businessId, updated.id);
    // Plain increments of the open week: a count a crash cuts off here is restored when the week is recounted.
    const metrics = rollupMetrics(result.events);
    if (metrics.length) await this.store.rollups.add(updated, metrics, next.score);
    // The reason's cohort joins after the survey was counted as sent and scored: it catches up on those.
    const reasoned = result.events.find((e) => e.type === 'reasoned');
    if (reasoned) await this.store.rollups.add(updated, ['sent', 'scored', 'score'], next.score, `${reasonCohortPrefix}${reasoned.reason}`);
    return { survey: updated, outbound, events: result.events };
  }

  /** Apply an input that has no message behind it (a timer, a provider's opt-out) to a survey, re-reading on conflicts. */
  async advance(find: () => Promise<SurveyRecord | undefined>, input: DialogInput): Promise<Applied | undefined> {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 5 * attempt));
      const survey = await find();
      if (!survey || !isOpen(survey.state)) return undefined;
      const applied = await this.apply(survey, input);
      if (applied) return applied;
    }
    throw new Error(`survey kept changing under concurrent updates; giving up on ${input.type}`);
  }

  advanceById(id: string, input: DialogInput): Promise<Applied | undefined> {
    return this.advance(() => this.store.surveys.byId(id), input);
  }

  /**
   * Record an opt-out or clear it (START); safe to repeat. A new opt-out owes a `customer.opted_out`
   * webhook event, written with it. An opt-out also drops replies still waiting for their receipt,
   * so a provider's retry of an earlier message never sends them to an opted-out person.
   */
  async setOptOut(businessId: string, channel: ChannelName, address: string, reason: string | undefined): Promise<void> {
    const optedOut = await this.store.customers.setOptOut({ businessId, channel, address }, reason, this.now());
    if (optedOut) this.webhooks.queueCustomer(businessId, optedOut.owes);
    if (!reason) return;
    for (const survey of await this.store.surveys.latest(businessId, channel, address)) {
      if (survey.pendingReply) await this.store.surveys.dropPendingReply(survey.id, survey.pendingReply.messageId);
    }
  }

  /** A provider told us this person refuses messages (blocked the bot, carrier opt-out): record it and close their open survey. */
  async recordOptOut(businessId: string, channel: ChannelName, address: string, reason: string): Promise<void> {
    await this.setOptOut(businessId, channel, address, reason);
    await this.advance(() => this.store.surveys.open(businessId, channel, address), { type: 'keyword', keyword: 'stop' });
    this.log.info({ channel }, 'opt-out recorded from provider');
  }
}

/** Owner alerts a step owes: a detractor score, and a detractor's comment. */
function alertsOwed(band: string | undefined, events: DialogEvent[]): AlertEvent[] {
  if (band !== 'detractor') return [];
  const owed: AlertEvent[] = [];
  if (events.some((e) => e.type === 'scored')) owed.push('scored');
  if (events.some((e) => e.type === 'commented')) owed.push('commented');
  return owed;
}

function rollupMetrics(events: DialogEvent[]): RollupMetric[] {
  const metrics: RollupMetric[] = [];
  for (const e of events) {
    if (e.type === 'scored') metrics.push('scored', 'score');
    if (e.type === 'completed') metrics.push('completed');
    if (e.type === 'commented') metrics.push('commented');
    if (e.type === 'abandoned' && e.at === 'score') metrics.push('unscored');
  }
  return metrics;
}
