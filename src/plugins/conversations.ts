import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { Conversations } from '../surveys/conversations.js';

declare module 'fastify' {
  interface FastifyInstance {
    conversations: Conversations;
  }
}

/** The survey dialog engine: one step, one atomic write. */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const policy = { reminderAfterMs: config.survey.reminderAfterMs, ttlMs: config.survey.ttlMs };
    app.decorate('conversations', new Conversations(app.store, policy, app.now, app.log, app.outboundWebhooks));
  },
  { name: 'conversations', dependencies: ['store', 'outbound-webhooks'] },
);
