import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';

/**
 * Headers for every route: helmet's defaults with framing refused everywhere (`frame-ancestors
 * 'none'`, `X-Frame-Options: DENY`: no page of ours can be framed to trick a click).
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    await app.register(helmet, {
      // Only framing is restricted here (pages set the rest of their policy, as the dashboard does).
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: helmet.contentSecurityPolicy.dangerouslyDisableDefaultSrc, frameAncestors: ["'none'"] } },
      frameguard: { action: 'deny' },
      hsts: config.publicUrl.startsWith('https://'),
    });
  },
  { name: 'http-security' },
);
