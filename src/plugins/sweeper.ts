import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { Sweeper } from '../surveys/sweeper.js';
import { ProductMetrics } from './metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    sweeper: Sweeper;
  }
}

/** Reminders, expiries, owed alerts, queued sends, webhook deliveries and digests, every SWEEP_INTERVAL. */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const policy = { reminderAfterMs: config.survey.reminderAfterMs, ttlMs: config.survey.ttlMs };
    const { businesses } = app;
    const digests = {
      // Businesses changed elsewhere (another instance, the CLI) are read first, so the digest goes out at the business's current time.
      async sweep() {
        return ProductMetrics.timed(app.metrics.digestSeconds, async () => {
          await businesses.refresh();
          let sent = 0;
          for (const business of await businesses.all()) sent += await business.digests.sweep();
          app.metrics.digestsSent.inc(sent);
          return sent;
        }, (sent) => sent > 0);
      },
    };
    const { sweepSeconds, unconfirmedReplies } = app.metrics;
    class TimedSweeper extends Sweeper {
      override async sweep(batch?: number) {
        const result = await ProductMetrics.timed(sweepSeconds, () => super.sweep(batch));
        unconfirmedReplies.inc(result.repliesQueued);
        return result;
      }
    }
    const sweeper = new TimedSweeper(app.store, app.conversations, app.outbox, { alerts: app.alerts, digests, webhooks: app.outboundWebhooks }, policy, app.now, app.log);
    app.decorate('sweeper', sweeper);
    app.addHook('onReady', async () => sweeper.start(config.survey.sweepIntervalMs));
    app.addHook('preClose', () => sweeper.stop());
  },
  { name: 'sweeper', dependencies: ['conversations', 'outbox', 'businesses', 'metrics'] },
);
