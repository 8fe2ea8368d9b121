import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from './config.js';
import { apiWithDocs } from './api/docs.js';
import { dashboardRoutes } from './dashboard/routes.js';
import { AppError } from './errors.js';
import businesses from './plugins/businesses.js';
import conversations from './plugins/conversations.js';
import database from './plugins/database.js';
import metrics from './plugins/metrics.js';
import httpSecurity from './plugins/http-security.js';
import outboundWebhooks from './plugins/outbound-webhooks.js';
import outbox from './plugins/outbox.js';
import privacy from './plugins/privacy.js';
import readiness from './plugins/readiness.js';
import store from './plugins/store.js';
import sweeper from './plugins/sweeper.js';
import providerWebhooks from './plugins/provider-webhooks.js';
import { healthRoutes } from './routes/health.js';
import { linkRoutes } from './routes/survey-link-pages.js';
import { mediaRoutes } from './routes/media.js';
import { registerTracing, type TracingOptions } from './plugins/tracing.js';

export interface AppOptions {
  config: Config;
  /** Database name override (tests give each file its own). */
  dbName?: string;
  /** The clock; tests move it. */
  now?: () => Date;
  /** Emit the database driver's command events (tests count round trips). */
  monitorCommands?: boolean;
  /** Where trace spans go when tracing is on, instead of OTLP (tests). */
  traceExporter?: TracingOptions['exporter'];
}

/** The whole product as one Fastify plugin, so tests build it without listening. */
async function survey(fastify: FastifyInstance, options: AppOptions): Promise<void> {
  const { config } = options;
  if (!config.mongodbUri) throw new Error('config.mongodbUri is required to build the app');

  // First, so that every route and hook registered after it is traced (when tracing is on).
  await registerTracing(fastify, { config, exporter: options.traceExporter });

  // Fastify reads text/plain by default and hands the string to every route; none of ours takes it (415).
  fastify.removeContentTypeParser('text/plain');

  fastify.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, request, reply) => {
    const status = err instanceof AppError ? err.statusCode : (err.statusCode ?? 500);
    if (status >= 500 && !(err instanceof AppError && err.expected)) {
      request.log.error({ err }, 'request failed');
      return reply.code(status).send({ error: 'internal_error', message: 'Something went wrong on our side.' });
    }
    request.log.info({ err: { message: err.message } }, 'request refused');
    return reply.code(status).send({ error: err.name, message: err.message });
  });

  // Before any route: the security headers and the per-address rate limit apply to every route added after.
  await fastify.register(httpSecurity, { config });
  // The one composition root: each service a named plugin, registered in dependency order.
  await fastify.register(database, { uri: config.mongodbUri, dbName: options.dbName, monitorCommands: options.monitorCommands });
  await fastify.register(store, { config, now: options.now ?? (() => new Date()) });
  await fastify.register(readiness);
  await fastify.register(metrics, { config });
  await fastify.register(outboundWebhooks, { config });
  await fastify.register(conversations, { config });
  await fastify.register(outbox);
  await fastify.register(businesses, { config });
  await fastify.register(privacy);
  await fastify.register(sweeper, { config });
  await fastify.register(providerWebhooks, { config });
  healthRoutes(fastify);
  mediaRoutes(fastify);
  await fastify.register(linkRoutes, { config });
  await fastify.register(dashboardRoutes, { config });
  await fastify.register(apiWithDocs, { prefix: '/api', config });
}

/** Not encapsulated: tests and main reach its decorations (db, services) on the returned instance. */
export const app = fp(survey, { name: 'survey-bot' });
