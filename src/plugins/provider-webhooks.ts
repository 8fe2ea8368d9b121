import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { businessOfPath } from '../businesses/environment-business.js';
import type { ChannelOf, ChannelRoutes } from '../channels/channel.js';
import { channelRoutes } from '../channels/index.js';
import type { Config } from '../config.js';
import { NotFoundError } from '../errors.js';

/**
 * Every channel kind's webhook routes, added once under `/b/:business` (and un-prefixed, the alias of
 * the environment's business). Each request finds its business in the directory as it arrives: one
 * created or changed while the server runs is served at once, a disabled or deleted one is a 404.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const channelOf = (kind: ChannelRoutes): ChannelOf => async (request: FastifyRequest) => {
      const id = businessOfPath((request.params as { business?: string }).business);
      const channel = (await app.businesses.get(id))?.channels.get(kind.name);
      if (!channel) throw new NotFoundError('Not Found');
      return channel;
    };
    const kinds = await channelRoutes(config.publicUrl);
    const routes = async (scope: FastifyInstance) => {
      for (const kind of kinds) await kind.register(scope, channelOf(kind));
    };
    await app.register(routes, { prefix: '/b/:business' });
    await app.register(routes);
  },
  { name: 'provider-webhooks', dependencies: ['businesses'] },
);
