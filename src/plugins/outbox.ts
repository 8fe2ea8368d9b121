import fp from 'fastify-plugin';
import { Outbox } from '../surveys/outbox.js';

declare module 'fastify' {
  interface FastifyInstance {
    outbox: Outbox;
  }
}

/** Messages out, through the channels; a provider's refusal closes the person's survey. */
export default fp(
  async (app) => {
    const recordOptOut = app.conversations.recordOptOut.bind(app.conversations);
    app.decorate('outbox', new Outbox(app.store, app.channels, recordOptOut, app.now, app.log));
  },
  { name: 'outbox', dependencies: ['store', 'conversations', 'channels'] },
);
