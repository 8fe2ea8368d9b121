import fp from 'fastify-plugin';
import type { ChannelName } from '../domain/channels.js';
import { Outbox } from '../surveys/outbox.js';

declare module 'fastify' {
  interface FastifyInstance {
    outbox: Outbox;
  }
}

/** Messages out, through each business's own channels; a provider's refusal closes the person's survey. */
export default fp(
  async (app) => {
    const recordOptOut = app.conversations.recordOptOut.bind(app.conversations);
    // The directory is added after the outbox (the businesses' services use the outbox); it is there by the first send.
    const channelOf = async (businessId: string, name: ChannelName) => {
      const channel = (await app.businesses.get(businessId))?.channels.get(name);
      return channel && app.metrics.instrument(channel);
    };
    const outbox = new Outbox(app.store, channelOf, recordOptOut, app.now, app.log);
    app.decorate('outbox', outbox);
    app.addHook('preClose', () => outbox.close());
  },
  { name: 'outbox', dependencies: ['store', 'conversations', 'metrics'] },
);
