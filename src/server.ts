import Fastify, { type FastifyInstance } from 'fastify';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, type AppOptions } from './app.js';
import type { DestinationStream } from 'pino';
import { ConfigError, loadConfig, secretValues, type Config } from './config.js';
import { loggerOptions } from './logger.js';
import { frameworkErrors } from './api/v1/problems.js';
import { deprecatedApiAlias } from './api/deprecated-alias.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './store/embedded-database.js';

export interface BuildOptions extends Omit<AppOptions, 'config'> {
  /** Log level override; tests pass 'silent'. */
  logLevel?: string;
  /** Where log lines go instead of stdout (tests read them back). */
  logStream?: DestinationStream;
  /** How long each plugin may take to start (Fastify's default, 10 s); tests lower it. */
  pluginTimeout?: number;
  /**
   * Wait for the database indexes before returning (the default, for tests and tools). `main` does
   * not: it listens at once and `/readyz` answers 503 until they are built.
   */
  waitForIndexes?: boolean;
}

const hops = (n: number) => (_address: string, hop: number) => hop < n;

/** The server with every plugin registered and nothing listening. */
export async function buildServer(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const fastify = Fastify({
    logger: { ...loggerOptions(options.logLevel ?? config.logLevel, secretValues(config)), ...(options.logStream ? { stream: options.logStream } : {}) },
    // A hop count as Fastify itself reads one (its types take only the function form).
    trustProxy: typeof config.trustProxy === 'number' ? hops(config.trustProxy) : config.trustProxy,
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    return503OnClosing: true,
    bodyLimit: 1_048_576,
    // A path segment of any length reaches its route (an id that is no id is a 404 there, not the
    // router's 414); what Fastify still refuses itself (a URL it cannot decode) is problem+json under /api/v1.
    routerOptions: { maxParamLength: 16_384 },
    frameworkErrors,
    // The deprecated first-version API paths are answered by their /api/v1 routes.
    rewriteUrl: (request) => deprecatedApiAlias(request.url ?? '/'),
    pluginTimeout: options.pluginTimeout ?? 10_000,
  });
  const { logLevel: _level, logStream: _stream, pluginTimeout: _timeout, waitForIndexes = true, ...appOptions } = options;
  await fastify.register(app, { ...appOptions, config });
  await fastify.ready();
  if (waitForIndexes) await fastify.store.indexes.start();
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

  const server = await buildServer(config, { waitForIndexes: false });
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
