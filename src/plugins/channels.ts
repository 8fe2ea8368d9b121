import fp from 'fastify-plugin';
import type { Channel } from '../channels/channel.js';
import { createChannels } from '../channels/index.js';
import type { Config } from '../config.js';
import type { ChannelName } from '../domain/channels.js';

declare module 'fastify' {
  interface FastifyInstance {
    channels: ReadonlyMap<ChannelName, Channel>;
  }
}

/** The enabled channels' senders; their webhook routes are added last, by `webhooks`, once the pipeline exists. */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const channels = await createChannels(config, { log: app.log, now: app.now, store: app.store });
    app.decorate('channels', channels);
    app.addHook('preClose', async () => {
      for (const channel of channels.values()) await channel.close?.();
    });
  },
  { name: 'channels', dependencies: ['store'] },
);
