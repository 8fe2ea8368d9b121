import fp from 'fastify-plugin';
import type { Channel } from '../channels/channel.js';
import { createChannels } from '../channels/index.js';
import { channelSettingsFromConfig, channelSettingsOf, firstBusinessId, storedIdentities } from '../businesses/settings.js';
import type { Config } from '../config.js';
import type { ChannelName } from '../domain/channels.js';
import type { BusinessSettings } from '../store/index.js';

/** A business's place in this deployment and its own channel senders. */
export interface BusinessChannels {
  settings: BusinessSettings;
  /** '' for the first business, `/b/<id>` for the others. */
  basePath: string;
  channels: ReadonlyMap<ChannelName, Channel>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The first business's channels (the ones the environment configures). */
    channels: ReadonlyMap<ChannelName, Channel>;
    /** Every business's channels, by business id; read at start. */
    businessChannels: ReadonlyMap<string, BusinessChannels>;
  }
}

/**
 * The senders of every business: the first from the environment, the others from their stored
 * (sealed) identities. Their webhook routes are added last, by `webhooks`, once the pipelines exist.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const deps = { log: app.log, now: app.now, store: app.store };
    const setWebhook = config.nodeEnv !== 'test';
    const all = new Map<string, BusinessChannels>();
    const first = await createChannels(channelSettingsFromConfig(config), { publicUrl: config.publicUrl, basePath: '', country: app.business.country, setWebhook }, { ...deps, businessId: firstBusinessId });
    all.set(firstBusinessId, { settings: app.business, basePath: '', channels: first });
    for (const settings of await app.store.businesses.list()) {
      if (settings.id === firstBusinessId) continue;
      const sealed = await app.store.businesses.sealedChannels(settings.id);
      const identities = storedIdentities(sealed ? JSON.parse(app.secrets.open(sealed)) : {});
      const basePath = `/b/${settings.id}`;
      const log = app.log.child({ business: settings.id });
      const channels = await createChannels(channelSettingsOf(identities, config), { publicUrl: config.publicUrl, basePath, country: settings.country, setWebhook }, { ...deps, businessId: settings.id, log });
      all.set(settings.id, { settings, basePath, channels });
    }
    app.decorate('channels', first);
    app.decorate('businessChannels', all);
    app.addHook('preClose', async () => {
      for (const { channels } of all.values()) for (const channel of channels.values()) await channel.close?.();
    });
  },
  { name: 'channels', dependencies: ['store'] },
);
