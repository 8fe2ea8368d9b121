import type { FastifyInstance } from 'fastify';
import { mediaPath } from '../store/index.js';

/**
 * Pictures a provider fetches by URL (the digest's chart on WhatsApp). No key: the 128-bit token in
 * the path is the only way to the picture, and it stops working at its expiry (404, like a token
 * that never was). Browsers may keep it until then and no longer; shared caches never keep it.
 */
export function mediaRoutes(app: FastifyInstance): void {
  app.get(`${mediaPath}/:file`, async (request, reply) => {
    const { file } = request.params as { file: string };
    const token = file.endsWith('.png') ? file.slice(0, -'.png'.length) : '';
    const now = app.now();
    const found = token ? await app.store.media.get(token, now) : undefined;
    if (!found) return reply.code(404).header('cache-control', 'no-store').send({ error: 'not_found', message: 'no such picture, or it has expired' });
    const seconds = Math.max(0, Math.floor((found.expiresAt.getTime() - now.getTime()) / 1000));
    return reply
      .type(found.type)
      .header('cache-control', `private, max-age=${seconds}, immutable`)
      .header('x-robots-tag', 'noindex')
      .send(found.body);
  });
}
