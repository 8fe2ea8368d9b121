import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { webhookUrlPolicy } from '../outbound-webhooks/subscription-input.js';
import { WebhookService } from '../outbound-webhooks/webhook-service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Outbound webhooks: subscriptions, emitted events, signed deliveries (not the providers' inbound webhooks). */
    outboundWebhooks: WebhookService;
  }
}

/** Registered before the conversations, whose survey changes owe webhook events. */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const service = new WebhookService({ store: app.store, secrets: app.secrets, now: app.now, log: app.log, urls: webhookUrlPolicy(config) });
    app.decorate('outboundWebhooks', service);
    app.addHook('onReady', () => service.warm());
    app.addHook('preClose', () => service.close());
  },
  { name: 'outbound-webhooks', dependencies: ['store'] },
);
