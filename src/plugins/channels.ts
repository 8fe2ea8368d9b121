import fp from 'fastify-plugin';
import type { Channel } from '../channels/channel.js';
import { createChannels } from '../channels/index.js';
import { environmentBusinessId } from '../businesses/environment-business.js';
import { channelSettingsOf, storedIdentities } from '../businesses/settings.js';
import type { Config } from '../config.js';
import type { ChannelName } from '../domain/channels.js';
import type { BusinessSettings } from '../store/index.js';

/** A business's place in this deployment and its own channel senders. */
export interface BusinessChannels {
  settings: BusinessSettings;
  /** `/b/<id>`; '' for the business the environment describes, whose routes stay where they were. */
  basePath: string;
  channels: ReadonlyMap<ChannelName, Channel>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every business's channels, by business id; read at start. */
    businessChannels: ReadonlyMap<string, BusinessChannels>;
  }
}

/** Where a business's webhooks and web chat live. */
export function basePathOf(id: string): string {
  return id === environmentBusinessId ? '' : `/b/${id}`;
}

/**
 * The senders of every stored business, from its sealed identities and the deployment's provider
 * settings. Their webhook routes are added last, by `provider-webhooks`, once the pipelines exist.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const deps = { log: app.log, now: app.now, store: app.store };
    const setWebhook = config.nodeEnv !== 'test';
    const all = new Map<string, BusinessChannels>();
    for (const settings of await app.store.businesses.list()) {
      const sealed = await app.store.businesses.sealedChannels(settings.id);
      const identities = storedIdentities(sealed ? JSON.parse(app.secrets.open(sealed)) : {});
      const basePath = basePathOf(settings.id);
      const log = app.log.child({ business: settings.id });
      const channels = await createChannels(channelSettingsOf(identities, config), { publicUrl: config.publicUrl, basePath, country: settings.country, setWebhook }, { ...deps, businessId: settings.id, log });
      all.set(settings.id, { settings, basePath, channels });
    }
    app.decorate('businessChannels', all);
    app.addHook('preClose', async () => {
      for (const { channels } of all.values()) for (const channel of channels.values()) await channel.close?.();
    });
  },
  { name: 'channels', dependencies: ['store'] },
);
