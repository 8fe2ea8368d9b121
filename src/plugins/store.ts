import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { adoptEnvironmentBusiness } from '../businesses/environment-business.js';
import { secretBoxFor, type SecretBox } from '../security/secret-box.js';
import { createStore, type Store } from '../store/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The server clock; tests move it. Everything that needs the time reads this one. */
    now: () => Date;
    store: Store;
    /** Seals and opens secrets kept in the database. */
    secrets: SecretBox;
  }
}

export interface StoreOptions {
  config: Config;
  now: () => Date;
}

/** The repositories on the server's connection; the business the environment describes is written as a stored one. */
export default fp<StoreOptions>(
  async (app, { config, now }) => {
    const store = await createStore(app.db, now, { indexesInBackground: true, liveAnalysisAnswers: config.liveAnalysisAnswers });
    const secrets = await secretBoxFor({ key: config.secretsKey, dataDir: config.dataDir });
    if (await adoptEnvironmentBusiness(config, store, secrets, now())) app.log.info('the business the environment describes was written');
    app.decorate('now', now);
    app.decorate('store', store);
    app.decorate('secrets', secrets);
    app.log.info({ server: store.server }, 'database connected');
  },
  { name: 'store', dependencies: ['database'] },
);
