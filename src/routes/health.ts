import type { FastifyInstance } from 'fastify';
import { pingDatabase } from '../plugins/database.js';

export function healthRoutes(app: FastifyInstance): void {
  // Liveness: the process answers. No dependency is checked, so a database outage never restarts it.
  app.get('/healthz', async () => ({ status: 'ok' }));

  // Readiness: the database answers a ping within 1.5 s and its declared indexes exist.
  app.get('/readyz', async (_request, reply) => {
    const ping = await pingDatabase(app.db);
    if (!ping.ok) return reply.code(503).send({ status: 'unavailable', reason: `database: ${ping.reason}` });
    const indexes = app.store.indexes;
    if (indexes.state === 'pending' || indexes.state === 'building') return reply.code(503).send({ status: 'starting', reason: 'indexes: building' });
    if (indexes.state === 'failed') return reply.code(503).send({ status: 'unavailable', reason: `indexes: ${indexes.reason}` });
    return { status: 'ready' };
  });
}
