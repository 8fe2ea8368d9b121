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
function inFlightGuard(handle: (inbound: Inbound) => Promise<InboundResult>) {
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
    async handle(inbound: Inbound): Promise<InboundResult> {
      const key = `${inbound.channel}:${inbound.providerMessageId}`;
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

/** Each enabled channel's webhook routes, handing what arrives to the pipeline. */
export default fp(
  async (app) => {
    const guard = inFlightGuard((inbound) => app.pipeline.handle(inbound));
    app.addHook('onRequest', (request, reply, done) => guard.enter(reply.raw, done));
    const deps: ChannelDeps = {
      handleInbound: (inbound) => guard.handle(inbound),
      recordDelivery: (update) => app.outbox.recordDelivery(update),
      recordOptOut: (channel, address, reason) => app.conversations.recordOptOut(channel, address, reason),
      recordOptIn: (channel, address) => app.conversations.setOptOut(channel, address, undefined),
      startWebSurvey: (input) => app.surveys.start({ ...input, channel: 'web', trigger: 'web' }),
      log: app.log,
      now: app.now,
    };
    for (const channel of app.channels.values()) await channel.register(app, deps);
  },
  { name: 'webhooks', dependencies: ['channels', 'pipeline', 'outbox', 'conversations', 'surveys'] },
);
