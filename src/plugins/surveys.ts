import fp from 'fastify-plugin';
import { DeepLinks } from '../surveys/deep-links.js';
import { SurveyStarter } from '../surveys/start-survey.js';

declare module 'fastify' {
  interface FastifyInstance {
    surveys: SurveyStarter;
    links: DeepLinks;
  }
}

/** Starting surveys: by API, staff command, web visit or deep link. */
export default fp(
  async (app) => {
    const surveys = new SurveyStarter(app.store, app.business, app.outbox, app.now);
    app.decorate('surveys', surveys);
    app.decorate('links', new DeepLinks(app.store, app.business, surveys, app.conversations, app.now));
  },
  { name: 'surveys', dependencies: ['store', 'conversations', 'outbox'] },
);
