import Fastify, { type FastifyInstance } from 'fastify';
import { aliasEnvironmentBusiness } from './businesses/environment-business.js';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, type AppOptions } from './app.js';
import type { DestinationStream } from 'pino';
import { ConfigError, loadConfig, secretValues, type Config } from './config.js';
import { loggerOptions } from './logger.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './store/embedded-database.js';

export interface BuildOptions extends Omit<AppOptions, 'config'> {
  /** Log level override; tests pass 'silent'. */
  logLevel?: string;
  /** Where log lines go instead of stdout (tests read them back). */
  logStream?: DestinationStream;
}

/** The server with every plugin registered and nothing listening. */
export async function buildServer(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const fastify = Fastify({
    logger: { ...loggerOptions(options.logLevel ?? config.logLevel, secretValues(config)), ...(options.logStream ? { stream: options.logStream } : {}) },
    trustProxy: true,
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    return503OnClosing: true,
    bodyLimit: 1_048_576,
    rewriteUrl: (req) => aliasEnvironmentBusiness(req.url ?? '/'),
  });
  const { logLevel: _level, logStream: _stream, ...appOptions } = options;
  await fastify.register(app, { ...appOptions, config });
  await fastify.ready();
  return fastify;
}

export async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const problem of err.problems) console.error(`config error: ${problem}`);
      process.exit(2);
    }
    throw err;
  }

  let embedded: EmbeddedDatabase | undefined;
  if (!config.mongodbUri) {
    embedded = await startEmbeddedDatabase({
      dataDir: config.dataDir,
      cacheDir: path.resolve('.cache'),
      log: (line) => console.error(line),
    });
    console.error(`embedded database (${embedded.engine}) at ${embedded.uri}, data in ${path.resolve(config.dataDir)}`);
    config = { ...config, mongodbUri: `${embedded.uri.replace(/\/$/, '')}/survey-bot` };
  }

  const server = await buildServer(config);
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    server.log.info({ signal }, 'shutting down: finishing in-flight requests');
    // Stop accepting, let in-flight requests finish, then close the database and the embedded server.
    const force = setTimeout(() => process.exit(1), 15_000).unref();
    await server.close();
    await embedded?.stop();
    clearTimeout(force);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  const address = await server.listen({ host: config.host, port: config.port });
  server.log.info(`survey bot listening on ${address}${config.web.enabled ? `, web chat at ${address}/chat` : ''}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
