import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';

/**
 * Routes the per-address limit leaves alone: /api/v1 counts by key in its own limiter, and the
 * providers' webhooks are verified by signature and paced by the provider (Twilio does not retry a
 * 429, so limiting them would lose answers).
 */
const ownLimit = /^(\/b\/[^/]+)?(\/api\/v1(\/|$)|\/webhooks\/|\/api\/messages$)/;

/** Whether a request is outside the per-address limit. */
export const exemptFromAddressLimit = (request: FastifyRequest): boolean => ownLimit.test(request.routeOptions.url ?? request.url.split('?')[0]!);

/**
 * Headers and limits for every route: helmet's defaults with framing refused everywhere
 * (`frame-ancestors 'none'`, `X-Frame-Options: DENY`: no page of ours can be framed to trick a
 * click), and a limit per client address (the address Fastify's `trustProxy` setting gives, so a
 * forged X-Forwarded-For counts only behind a configured proxy). Routes may set a tighter
 * `config.rateLimit` (the dashboard sign-in does).
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    await app.register(helmet, {
      // Only framing is restricted here (pages set the rest of their policy, as the dashboard does).
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: helmet.contentSecurityPolicy.dangerouslyDisableDefaultSrc, frameAncestors: ["'none'"] } },
      frameguard: { action: 'deny' },
      hsts: config.publicUrl.startsWith('https://'),
    });
    await app.register(rateLimit, {
      global: true,
      max: config.rateLimits.perAddress,
      timeWindow: 60_000,
      hook: 'onRequest',
      allowList: (request) => exemptFromAddressLimit(request),
    });
    // Paths that match no route count too (probing for them is part of an attack); the answer is Fastify's own 404.
    app.setNotFoundHandler({ preHandler: app.rateLimit() }, (request, reply) =>
      reply.code(404).send({ message: `Route ${request.method}:${request.url.split('?')[0]} not found`, error: 'Not Found', statusCode: 404 }),
    );
  },
  { name: 'http-security' },
);
