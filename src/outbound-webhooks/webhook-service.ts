import type { FastifyBaseLogger } from 'fastify';
import { NotFoundError, parseInput, ValidationError } from '../errors.js';
import type { SecretBox } from '../security/secret-box.js';
import type { OwedEffect, Store, SurveyRecord, SurveyWebhookEvent, WebhookDelivery, WebhookSubscription } from '../store/index.js';
import { attemptErrors, nextAttemptAt, postWebhook, type AttemptResult } from './delivery.js';
import { optOutEvent, surveyEvent, type WebhookEvent } from './events.js';
import { newSigningSecret, signatureHeaders } from './signature.js';
import { subscriptionInput, type UrlPolicy } from './subscription-input.js';

/** A delivery as its business sees it: no body (it may hold a comment), the latest attempts. */
export interface DeliveryView {
  id: string;
  eventId: string;
  eventType: WebhookDelivery['eventType'];
  /** `pending` (queued or waiting to retry), `delivered` (a 2xx), `failed` (24 h of failures, 410 Gone, or the subscription went). */
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastAttempts: WebhookDelivery['history'];
  nextAttemptAt?: Date;
  createdAt: Date;
  finishedAt?: Date;
}

const maxSubscriptions = 20;
/** Errors a business may read; anything else (a low-level code an earlier version stored) shows as a failed connection. */
const shownError = (error: string): string =>
  /^(no answer within [\d.]+ s|redirect not followed|subscription (disabled|removed))$/.test(error) || Object.values<string>(attemptErrors).includes(error) ? error : attemptErrors.unreachable;
/** A delivery still marked as under way after this long was cut off (the process died): tried again. */
const lockMs = 60_000;
export interface WebhookServiceDeps {
  store: Store;
  secrets: SecretBox;
  now: () => Date;
  log: FastifyBaseLogger;
  /** NODE_ENV=production (https only) and the hosts the operator allowed. */
  urls: UrlPolicy;
}

/**
 * Outbound webhooks: a business's subscriptions, the events the product emits to them, and their
 * signed delivery with retries. Survey changes record the events they owe in their own write
 * (among the survey's `owed` effects); they are queued here right after (`queue`) and by the
 * sweeper's owed-effects step after a crash.
 * Each (subscription, event) delivery has an id derived from both, so queueing twice sends once.
 */
export class WebhookService {
  private readonly running = new Set<Promise<void>>();
  /** Businesses known (here) to have a subscription: only their changes are queued at once; the sweeper does the rest. */
  private readonly subscribed = new Set<string>();
  private closing = false;

  constructor(private readonly deps: WebhookServiceDeps) {}

  /** Register a URL for events. The signing secret is in this answer only: it is stored sealed and never shown again. */
  async subscribe(businessId: string, input: unknown): Promise<{ subscription: WebhookSubscription; secret: string }> {
    const { url, events } = parseInput(subscriptionInput(this.deps.urls), input, 'body');
    const existing = await this.deps.store.webhookSubscriptions.list(businessId);
    if (existing.length >= maxSubscriptions) throw new ValidationError(`at most ${maxSubscriptions} webhook subscriptions per business`);
    const secret = newSigningSecret();
    const subscription = await this.deps.store.webhookSubscriptions.insert({ businessId, url, events, secretSealed: this.deps.secrets.seal(secret), createdAt: this.deps.now() });
    this.subscribed.add(businessId);
    this.deps.log.info({ subscriptionId: subscription.id, events }, 'webhook subscription added');
    return { subscription, secret };
  }

  /** Learn which businesses have subscriptions (at start; other instances' new ones are learnt by the sweeper). */
  async warm(): Promise<void> {
    for (const id of await this.deps.store.webhookSubscriptions.businessesWithActive()) this.subscribed.add(id);
  }

  list(businessId: string): Promise<WebhookSubscription[]> {
    return this.deps.store.webhookSubscriptions.list(businessId);
  }

  /** Delete a subscription and its deliveries (queued ones are not sent). */
  async remove(businessId: string, id: string): Promise<void> {
    if (!(await this.deps.store.webhookSubscriptions.remove(businessId, id))) throw new NotFoundError('no such webhook subscription');
    await this.deps.store.webhookDeliveries.removeOf(businessId, id);
  }

  /** The latest deliveries of one of the business's subscriptions, newest first. */
  async deliveries(businessId: string, subscriptionId: string, limit = 20): Promise<DeliveryView[]> {
    if (!(await this.deps.store.webhookSubscriptions.withSecret(businessId, subscriptionId))) throw new NotFoundError('no such webhook subscription');
    const items = await this.deps.store.webhookDeliveries.latest(businessId, subscriptionId, Math.min(Math.max(1, limit), 100));
    return items.map((d) => ({
      id: d.id,
      eventId: d.eventId,
      eventType: d.eventType,
      status: d.state === 'sending' ? 'pending' : d.state,
      attempts: d.attempts,
      lastAttempts: d.history.map((a) => (a.error ? { ...a, error: shownError(a.error) } : a)),
      ...(d.state === 'pending' ? { nextAttemptAt: d.nextAttemptAt } : {}),
      createdAt: d.createdAt,
      ...(d.finishedAt ? { finishedAt: d.finishedAt } : {}),
    }));
  }

  /**
   * Queue an event for every active subscription of the business to its type. Safe to repeat: a
   * (subscription, event id) pair is queued once. Returns the delivery ids.
   */
  async emit(businessId: string, event: WebhookEvent): Promise<string[]> {
    return this.emitTo(await this.deps.store.webhookSubscriptions.active(businessId), businessId, event);
  }

  private async emitTo(active: readonly WebhookSubscription[], businessId: string, event: WebhookEvent): Promise<string[]> {
    if (active.length) this.subscribed.add(businessId);
    const subscriptions = active.filter((s) => s.events.includes(event.type));
    if (!subscriptions.length) return [];
    const body = JSON.stringify({ id: event.id, type: event.type, createdAt: event.createdAt.toISOString(), businessId, data: event.data });
    const at = this.deps.now();
    return this.deps.store.webhookDeliveries.enqueue(subscriptions.map((s) => ({ businessId, subscriptionId: s.id, eventId: event.id, eventType: event.type, body, at })));
  }

  /** A survey change owes events: queue and send them now, without making the caller wait, when its business has subscribers. */
  queue(businessId: string, surveyId: string): void {
    this.inBackground(businessId, () => this.flushSurvey(surveyId), { surveyId });
  }

  /** A customer's opt-out owes its event: the same, for the customer. */
  queueCustomer(businessId: string, customerId: string): void {
    this.inBackground(businessId, () => this.flushCustomer(customerId), { customerId });
  }

  private inBackground(businessId: string, flush: () => Promise<string[]>, context: Record<string, string>): void {
    if (!this.subscribed.has(businessId)) return; // the sweeper clears what nobody listens to
    const run = flush()
      .then((ids) => this.deliver(ids))
      .catch((err: unknown) => this.deps.log.error({ err, ...context }, 'webhook queueing failed; the sweeper retries'))
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Wait for work started by `queue` (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }

  /** Shutting down: finish the attempts under way but start no more (what is left is retried after the restart). */
  async close(): Promise<void> {
    this.closing = true;
    await this.drain();
  }

  /** Queue the events a survey owes, then clear them from it (in that order, so a crash between repeats, never loses). */
  async flushSurvey(surveyId: string): Promise<string[]> {
    const survey = await this.deps.store.surveys.byId(surveyId);
    const due = survey?.owed.filter((o): o is Extract<OwedEffect, { type: 'webhook' }> => o.type === 'webhook') ?? [];
    if (!survey || !due.length) return [];
    const ids = await this.emitSurvey(survey, due.map((o) => o.event));
    await this.deps.store.surveys.clearOwed(survey.id, due);
    return ids;
  }

  /** Queue these events of a survey for every subscription to them. */
  async emitSurvey(survey: SurveyRecord, events: readonly SurveyWebhookEvent[]): Promise<string[]> {
    if (!events.length) return [];
    const active = await this.deps.store.webhookSubscriptions.active(survey.businessId);
    const ids: string[] = [];
    for (const type of events) ids.push(...(await this.emitTo(active, survey.businessId, surveyEvent(survey, type))));
    return ids;
  }

  /** Queue the events a customer's opt-out owes, then clear them from the customer. */
  async flushCustomer(customerId: string): Promise<string[]> {
    const customer = await this.deps.store.customers.webhooksDueOf(customerId);
    if (!customer?.webhooksDue.length) return [];
    const active = await this.deps.store.webhookSubscriptions.active(customer.businessId);
    const ids: string[] = [];
    for (const owed of customer.webhooksDue) ids.push(...(await this.emitTo(active, customer.businessId, optOutEvent(customer, owed.at))));
    await this.deps.store.customers.clearWebhooks(customer.id, customer.webhooksDue.map((o) => o.owed));
    return ids;
  }

  /** One sweeper pass: opt-out events a crash left owed, then every delivery that is due (surveys' events come from the sweeper's owed-effects step). Returns the attempts made. */
  async sweep(limit = 200): Promise<number> {
    for (const id of await this.deps.store.customers.withWebhooksDue(limit)) await this.flushCustomer(id);
    return this.flushDue(limit);
  }

  /** Attempt what is due (retries, and deliveries queued but never tried). */
  async flushDue(limit = 200): Promise<number> {
    await this.deps.store.webhookDeliveries.releaseInterrupted(this.deps.now());
    let attempted = 0;
    while (attempted < limit && !this.closing && (await this.attemptNext())) attempted++;
    return attempted;
  }

  /** Attempt these queued deliveries now. */
  async deliver(ids: readonly string[]): Promise<void> {
    for (const id of ids) if (!this.closing) await this.attemptNext([id]);
  }

  private async attemptNext(ids?: readonly string[]): Promise<boolean> {
    const now = this.deps.now();
    for (let tries = 0; tries < 5; tries++) {
      const candidate = await this.deps.store.webhookDeliveries.nextDue(now, ids);
      if (!candidate) return false;
      const taken = await this.deps.store.webhookDeliveries.take(candidate, new Date(now.getTime() + lockMs));
      if (!taken) continue;
      await this.attempt(taken);
      return true;
    }
    return false;
  }

  /** One HTTP attempt of a taken delivery, and what follows from its answer. */
  private async attempt(item: WebhookDelivery): Promise<void> {
    const { store, secrets, log } = this.deps;
    const subscription = await store.webhookSubscriptions.withSecret(item.businessId, item.subscriptionId);
    const at = this.deps.now();
    if (!subscription?.active) {
      await store.webhookDeliveries.settle(item, { at, error: subscription ? 'subscription disabled' : 'subscription removed' }, { state: 'failed', at });
      return;
    }
    const timestamp = Math.floor(at.getTime() / 1000);
    const headers = {
      'Content-Type': 'application/json',
      'User-Agent': 'survey-bot-webhooks/1',
      ...signatureHeaders(secrets.open(subscription.secretSealed), item.eventId, timestamp, item.body),
    };
    const { cause, ...result }: AttemptResult & { cause?: string } = await postWebhook(subscription.url, headers, item.body, this.deps.urls.destinations);
    const attempt = { at, ...(result.status !== undefined ? { status: result.status } : {}), ...(result.error ? { error: result.error } : {}) };
    const where = { subscriptionId: subscription.id, eventType: item.eventType, attempt: item.attempts, status: result.status, cause };
    if (result.status !== undefined && result.status >= 200 && result.status < 300) {
      await store.webhookDeliveries.settle(item, attempt, { state: 'delivered', at: this.deps.now() });
      return;
    }
    if (result.status === 410) {
      // The receiver says this URL is gone for good: stop sending to it until the business subscribes again.
      await store.webhookSubscriptions.disable(item.businessId, subscription.id, 'the receiver answered 410 Gone');
      await store.webhookDeliveries.settle(item, attempt, { state: 'failed', at });
      log.warn(where, 'webhook receiver answered 410 Gone; subscription disabled');
      return;
    }
    const retryAt = nextAttemptAt(item.attempts, item.createdAt, this.deps.now());
    await store.webhookDeliveries.settle(item, attempt, retryAt ? { state: 'pending', retryAt } : { state: 'failed', at });
    log.warn(where, retryAt ? 'webhook delivery failed; will retry' : 'webhook delivery failed for 24 h; given up');
  }
}
