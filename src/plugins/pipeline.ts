import fp from 'fastify-plugin';
import { InboundPipeline } from '../inbound/pipeline.js';

declare module 'fastify' {
  interface FastifyInstance {
    pipeline: InboundPipeline;
  }
}

/** The one path every inbound message takes. */
export default fp(
  async (app) => {
    const { store, business, conversations, links, staff, commands, alerts, log } = app;
    const pipeline = new InboundPipeline({ store, business, conversations, links, staff, commands, alerts, log });
    app.decorate('pipeline', pipeline);
    app.addHook('preClose', () => pipeline.drain());
  },
  { name: 'pipeline', dependencies: ['store', 'conversations', 'surveys', 'owners'] },
);
