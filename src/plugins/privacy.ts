import fp from 'fastify-plugin';
import { CustomerPrivacy } from '../privacy/customer-privacy.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** A customer's data export and erasure (GDPR), for any API that mounts them. */
    privacy: CustomerPrivacy;
  }
}

export default fp(
  async (app) => {
    const endSurvey = async (surveyId: string) => void (await app.conversations.advanceById(surveyId, { type: 'keyword', keyword: 'stop' }));
    app.decorate('privacy', new CustomerPrivacy({ store: app.store, now: app.now, endSurvey }));
  },
  { name: 'privacy', dependencies: ['store', 'conversations'] },
);
