import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { firstBusiness } from '../businesses/settings.js';
import { secretBoxFor, type SecretBox } from '../security/secret-box.js';
import { createStore, type BusinessSettings, type Store } from '../store/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The server clock; tests move it. Everything that needs the time reads this one. */
    now: () => Date;
    store: Store;
    business: BusinessSettings;
    /** Seals and opens secrets kept in the database. */
    secrets: SecretBox;
  }
}

export interface StoreOptions {
  config: Config;
  now: () => Date;
}

/** The repositories on the server's connection, and the business this deployment serves. */
export default fp<StoreOptions>(
  async (app, { config, now }) => {
    const store = await createStore(app.db, now, { indexesInBackground: true });
    const business = firstBusiness(config);
    await store.businesses.save(business);
    app.decorate('now', now);
    app.decorate('store', store);
    app.decorate('business', business);
    app.decorate('secrets', await secretBoxFor({ key: config.secretsKey, dataDir: config.dataDir }));
    app.log.info({ server: store.server }, 'database connected');
  },
  { name: 'store', dependencies: ['database'] },
);
