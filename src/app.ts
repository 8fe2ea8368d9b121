import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from './config.js';
import { AppError } from './errors.js';
import database from './plugins/database.js';
import { healthRoutes } from './routes/health.js';
import surveys from './plugins/surveys.js';

export interface AppOptions {
  config: Config;
  /** Database name override (tests give each file its own). */
  dbName?: string;
  /** The clock; tests move it. */
  now?: () => Date;
}

/** The whole product as one Fastify plugin, so tests build it without listening. */
async function survey(fastify: FastifyInstance, options: AppOptions): Promise<void> {
  const { config } = options;
  if (!config.mongodbUri) throw new Error('config.mongodbUri is required to build the app');

  fastify.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, request, reply) => {
    const status = err instanceof AppError ? err.statusCode : (err.statusCode ?? 500);
    if (status >= 500) {
      request.log.error({ err }, 'request failed');
      return reply.code(status).send({ error: 'internal_error', message: 'Something went wrong on our side.' });
    }
    request.log.info({ err: { message: err.message } }, 'request refused');
    return reply.code(status).send({ error: err.name, message: err.message });
  });

  await fastify.register(database, { uri: config.mongodbUri, dbName: options.dbName });
  await fastify.register(surveys, { config, now: options.now ?? (() => new Date()) });
  healthRoutes(fastify);
}

/** Not encapsulated: tests and main reach its decorations (db, services) on the returned instance. */
export const app = fp(survey, { name: 'survey-bot' });
