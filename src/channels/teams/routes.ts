import type { FastifyReply, FastifyRequest } from 'fastify';
import { receivers, type ChannelRoutes } from '../channel.js';

export const teamsReceivers = receivers<(request: FastifyRequest, reply: FastifyReply) => Promise<void>>();

/** The Bot Framework's messaging endpoint, `POST /api/messages`, added once; each business's own app answers under its path. */
export const teamsRoutes: ChannelRoutes = {
  name: 'teams',
  register(app, channelOf) {
    app.post('/api/messages', async (request, reply) => (await teamsReceivers.of(channelOf, request))(request, reply));
  },
};
