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
    const channelOf = (businessId: string, channel: ChannelName) => app.businessChannels.get(businessId)?.channels.get(channel);
    app.decorate('outbox', new Outbox(app.store, channelOf, recordOptOut, app.now, app.log));
  },
  { name: 'outbox', dependencies: ['store', 'conversations', 'channels'] },
);
