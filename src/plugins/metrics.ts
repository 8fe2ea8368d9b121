import { timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Channel } from '../channels/channel.js';
import type { Config } from '../config.js';
import type { ChannelName, InboundResult } from '../domain/channels.js';

/**
 * The product's Prometheus metrics, on a registry of its own (one per server, so several servers in
 * one process, as in tests, never share counters). Labels are routes, channels and outcomes: never
 * an address, a chat id or a message.
 */
export class ProductMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'survey_bot_http_requests_total', help: 'HTTP requests answered, by route template and status', labelNames: ['method', 'route', 'status_code'], registers: [this.registry] });
  readonly requestSeconds = new Histogram({ name: 'survey_bot_http_request_duration_seconds', help: 'Time to answer an HTTP request', labelNames: ['method', 'route'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry] });
  readonly inbound = new Counter({ name: 'survey_bot_inbound_messages_total', help: 'Verified messages from people, by channel and outcome (handled, duplicate)', labelNames: ['channel', 'outcome'], registers: [this.registry] });
  readonly replies = new Counter({ name: 'survey_bot_replies_total', help: 'Replies the bot gave to inbound messages, by channel', labelNames: ['channel'], registers: [this.registry] });
  readonly sends = new Counter({ name: 'survey_bot_sends_total', help: 'Messages handed to a provider, by channel and result (sent, refused, error)', labelNames: ['channel', 'result'], registers: [this.registry] });
  readonly sendChecks = new Counter({
    name: 'survey_bot_send_record_checks_total',
    help: "Messages looked for in the provider's record of sent messages before going again (a send that got no answer, or one a crash interrupted), by channel and result: found (not sent again), missing, unknown (cannot be told now: a template's content not read, a body listed empty), error (the record not read)",
    labelNames: ['channel', 'result'],
    registers: [this.registry],
  });
  readonly sendSlotsGivenUp = new Counter({ name: 'survey_bot_send_slots_given_up_total', help: 'Send slots a sender held and left unused, by channel and reason (cold, late, lane, expired): the share of its limit this instance did not use', labelNames: ['channel', 'reason'], registers: [this.registry] });
  readonly sweepSeconds = new Histogram({ name: 'survey_bot_sweep_duration_seconds', help: 'Time of one sweep (expiries, reminders, owed work, due sends, digests)', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [this.registry] });
  readonly unconfirmedReplies = new Counter({ name: 'survey_bot_unconfirmed_replies_queued_total', help: 'Answers whose replies never reached the provider and that the sweeper queued to be sent', registers: [this.registry] });
  readonly digestSeconds = new Histogram({ name: 'survey_bot_digest_duration_seconds', help: 'Time of a digest pass that sent at least one digest', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120], registers: [this.registry] });
  readonly digestsSent = new Counter({ name: 'survey_bot_digests_sent_total', help: 'Weekly digests sent to owners', registers: [this.registry] });
  private readonly instrumented = new WeakMap<Channel, Channel>();

  /**
   * `processMetrics`: Node's own (CPU, memory, event-loop delay), collected only when `/metrics` is
   * served. Their event-loop monitor wakes the process at each sample: prom-client's 10 ms default
   * cost an idle server 8 ms of CPU a second here, against 5–6.5 ms at 50 ms (measured over 20 s).
   */
  constructor(outboxBacklog: () => Promise<{ depth: number; oldestDueAt?: Date }>, now: () => Date, processMetrics = true) {
    if (processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'survey_bot_', eventLoopMonitoringPrecision: 50 });
    // Read from the database at each scrape, so every instance reports the deployment's one outbox.
    let backlog: Promise<{ depth: number; oldestDueAt?: Date }> | undefined;
    const read = () => (backlog ??= outboxBacklog().finally(() => (backlog = undefined)));
    new Gauge({
      name: 'survey_bot_outbox_depth', help: 'Messages waiting in the outbox (pending, due or not)', registers: [this.registry],
      async collect() { this.set((await read()).depth); },
    });
    new Gauge({
      name: 'survey_bot_outbox_oldest_due_seconds', help: 'How long the oldest due outbox message has waited (0 when none)', registers: [this.registry],
      async collect() {
        const { oldestDueAt } = await read();
        this.set(oldestDueAt ? Math.max(0, (now().getTime() - oldestDueAt.getTime()) / 1000) : 0);
      },
    });
  }

  /** Counts one handled inbound message and the replies it got. */
  countInbound(channel: ChannelName, result: InboundResult): void {
    this.inbound.inc({ channel, outcome: result.duplicate ? 'duplicate' : 'handled' });
    if (result.replies.length) this.replies.inc({ channel }, result.replies.length);
  }

  /** The channel, its sends counted by result; the same wrapper every time for the same channel. */
  instrument(channel: Channel): Channel {
    let wrapped = this.instrumented.get(channel);
    if (!wrapped) {
      const sends = this.sends;
      const send: Channel['send'] = async (to, message) => {
        try {
          const delivery = await channel.send(to, message);
          sends.inc({ channel: channel.name, result: delivery.status === 'sent' ? 'sent' : 'refused' });
          return delivery;
        } catch (err) {
          sends.inc({ channel: channel.name, result: 'error' });
          throw err;
        }
      };
      const checks = this.sendChecks;
      const sentSince: Channel['sentSince'] = async (to, messages, since) => {
        try {
          const found = await channel.sentSince!(to, messages, since);
          for (const f of found) checks.inc({ channel: channel.name, result: f ? 'found' : f === false ? 'missing' : 'unknown' });
          return found;
        } catch (err) {
          checks.inc({ channel: channel.name, result: 'error' }, messages.length);
          throw err;
        }
      };
      // Everything else is the channel's own, called on the channel itself.
      wrapped = new Proxy(channel, {
        get(target, property) {
          if (property === 'send') return send;
          if (property === 'sentSince' && channel.sentSince) return sentSince;
          const value: unknown = Reflect.get(target, property, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      this.instrumented.set(channel, wrapped);
    }
    return wrapped;
  }

  /** Times `work` into `histogram`. */
  static async timed<T>(histogram: Histogram, work: () => Promise<T>, observe: (result: T) => boolean = () => true): Promise<T> {
    const end = histogram.startTimer();
    const result = await work();
    if (observe(result)) end();
    return result;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ProductMetrics;
  }
}

const equalSecret = (given: string, expected: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/**
 * Counts requests on every route and serves `/metrics` (Prometheus text format) when enabled; with
 * `METRICS_TOKEN` set, only to `Authorization: Bearer <token>` (401 otherwise).
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const metrics = new ProductMetrics(() => app.store.outbox.backlog(app.now()), app.now, config.metrics.enabled);
    app.decorate('metrics', metrics);
    app.addHook('onResponse', async (request, reply) => {
      // The route's template (`/api/v1/customers/:id`), never the path a caller sent.
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.requests.inc({ method: request.method, route, status_code: String(reply.statusCode) });
      metrics.requestSeconds.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    });
    if (!config.metrics.enabled) return;
    const token = config.metrics.token;
    app.get('/metrics', async (request, reply) => {
      if (token) {
        const given = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
        if (!equalSecret(given, token)) return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', message: 'A valid metrics token is required.' });
      }
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  },
  { name: 'metrics', dependencies: ['store'] },
);
