import { AsyncLocalStorage } from 'node:async_hooks';
import fp from 'fastify-plugin';
import type { ChannelDeps } from '../channels/channel.js';
import type { Inbound, InboundResult } from '../domain/channels.js';

/**
 * Message ids that an open webhook request of this process is handling. A redelivery arriving
 * meanwhile gets an empty answer: the first request sends the replies (Telegram and Teams send them
 * while it runs), and without this the redelivery found them not yet confirmed and sent them again.
 * An id is released when its request's response is finished or its connection closed, so a provider
 * that gave up on a request (a timeout) has its retry handled as before.
 */
function inFlightGuard() {
  const inFlight = new Set<string>();
  const held = new AsyncLocalStorage<Set<string>>();
  return {
    enter(raw: { once(event: 'close', listener: () => void): unknown }, run: () => void) {
      const keys = new Set<string>();
      raw.once('close', () => {
        for (const key of keys) inFlight.delete(key);
      });
      held.run(keys, run);
    },
    async handle(businessId: string, inbound: Inbound, handle: (inbound: Inbound) => Promise<InboundResult>): Promise<InboundResult> {
      const key = `${businessId}:${inbound.channel}:${inbound.providerMessageId}`;
      if (inFlight.has(key)) return { duplicate: true, replies: [] };
      const keys = held.getStore();
      if (keys) {
        inFlight.add(key);
        keys.add(key);
      }
      return handle(inbound);
    },
  };
}

/**
 * Each business's enabled channels' webhook routes (under `/b/<id>`; the environment's business's at
 * the root), handing what arrives to that business's pipeline.
 */
export default fp(
  async (app) => {
    const guard = inFlightGuard();
    app.addHook('onRequest', (request, reply, done) => guard.enter(reply.raw, done));
    for (const business of app.businesses.all()) {
      const id = business.settings.id;
      const deps: ChannelDeps = {
        handleInbound: async (inbound) => {
          const result = await guard.handle(id, inbound, (i) => business.pipeline.handle(i));
          app.metrics.countInbound(inbound.channel, result);
          return result;
        },
        recordDelivery: (update) => app.outbox.recordDelivery(update),
        recordOptOut: (channel, address, reason) => app.conversations.recordOptOut(id, channel, address, reason),
        recordOptIn: (channel, address) => app.conversations.setOptOut(id, channel, address, undefined),
        startWebSurvey: (input) => business.surveys.start({ ...input, channel: 'web', trigger: 'web' }),
        log: app.log.child({ business: id }),
        now: app.now,
      };
      const routes = async (scope: typeof app) => {
        for (const channel of business.channels.values()) await channel.register(scope, deps);
      };
      if (business.basePath) await app.register(routes, { prefix: business.basePath });
      else await routes(app);
    }
  },
  { name: 'provider-webhooks', dependencies: ['channels', 'businesses', 'outbox', 'conversations', 'metrics'] },
);
