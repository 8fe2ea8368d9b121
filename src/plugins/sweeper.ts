import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { Sweeper } from '../surveys/sweeper.js';

declare module 'fastify' {
  interface FastifyInstance {
    sweeper: Sweeper;
  }
}

/** Reminders, expiries, owed alerts, queued sends, webhook deliveries and digests, every SWEEP_INTERVAL. */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const policy = { reminderAfterMs: config.survey.reminderAfterMs, ttlMs: config.survey.ttlMs };
    const { businesses, store } = app;
    const digests = {
      // Settings changed through the API or the CLI are read first, so the digest goes out at the business's current time.
      async sweep() {
        await businesses.refresh(store);
        let sent = 0;
        for (const business of businesses.all()) sent += await business.digests.sweep();
        return sent;
      },
    };
    const sweeper = new Sweeper(app.store, app.conversations, app.outbox, { alerts: app.alerts, digests, webhooks: app.outboundWebhooks }, policy, app.now, app.log);
    app.decorate('sweeper', sweeper);
    app.addHook('onReady', async () => sweeper.start(config.survey.sweepIntervalMs));
    app.addHook('preClose', () => sweeper.stop());
  },
  { name: 'sweeper', dependencies: ['conversations', 'outbox', 'businesses'] },
);
