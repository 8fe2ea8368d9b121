import fp from 'fastify-plugin';
import { waitAtMost } from '../domain/waiting.js';

/** Paths answered while the indexes are still being built: the probes and the metrics. */
const alwaysServed = new Set(['/healthz', '/readyz', '/metrics']);

/** How long a request waits for an index build about to end before it is turned away. */
const GRACE_MS = 2_000;

/**
 * Holds the product's routes back until the declared indexes exist: their unique ones carry the
 * idempotency guarantees (one open survey per customer, each message handled once). A request that
 * arrives during the build waits up to 2 s, then gets 503 with Retry-After; providers retry, and a
 * load balancer that reads `/readyz` sends nothing here meanwhile.
 */
export default fp(
  async (app) => {
    const indexes = app.store.indexes;
    const built = () => indexes.state === 'built';
    app.addHook('onRequest', async (request, reply) => {
      if (built() || alwaysServed.has(request.url.split('?')[0] ?? '')) return;
      if (indexes.state !== 'failed') {
        await waitAtMost(indexes.start(), GRACE_MS);
        if (built()) return;
      }
      return reply
        .code(503)
        .header('retry-after', '10')
        .send({ error: 'starting', message: indexes.state === 'failed' ? 'The database indexes could not be built.' : 'The database indexes are being built; try again shortly.' });
    });
    // Started once the server listens, not awaited: a build over a large collection takes minutes.
    app.addHook('onListen', async () => {
      void indexes.start().then(() => {
        if (indexes.state === 'built') app.log.info({ tookMs: indexes.tookMs }, 'database indexes built');
        else app.log.error({ reason: indexes.reason }, 'database indexes failed to build: /readyz stays 503');
      });
    });
  },
  { name: 'readiness', dependencies: ['store'] },
);
