import fp from 'fastify-plugin';
import type { ChannelDeps } from '../channels/channel.js';

/** Each enabled channel's webhook routes, handing what arrives to the pipeline. */
export default fp(
  async (app) => {
    const deps: ChannelDeps = {
      handleInbound: (inbound) => app.pipeline.handle(inbound),
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
