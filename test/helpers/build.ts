import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../src/config.js';
import { buildServer, type BuildOptions } from '../../src/server.js';
import { databaseUri, uniqueDbName } from './database.js';

/** Config for tests: nothing from the real environment, only what the test says. */
export function testConfig(env: Record<string, string | undefined> = {}): Config {
  // Tests send everything from one address: the per-address limits have their own tests.
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', MONGODB_URI: databaseUri(), RATE_LIMIT: '1000000', SIGN_IN_RATE_LIMIT: '1000000', WEB_CHAT_VISITORS_PER_HOUR: '100000', WEB_ANSWERS_PER_NETWORK: '1000000', ...env });
}

export interface TestServer {
  app: FastifyInstance;
  config: Config;
  dbName: string;
  /** Close the server and drop its database. */
  close(): Promise<void>;
}

/** A server on the real test database, under its own database name, not listening. */
export async function buildTestServer(
  env: Record<string, string | undefined> = {},
  options: BuildOptions = {},
): Promise<TestServer> {
  const config = testConfig(env);
  const dbName = options.dbName ?? uniqueDbName();
  const app = await buildServer(config, { logLevel: 'silent', ...options, dbName });
  return {
    app,
    config,
    dbName,
    close: async () => {
      if (!options.dbName) await app.db.dropDatabase().catch(() => {});
      await app.close();
    },
  };
}

/** Two servers on one database, as two instances of a deployment; `close` closes both (the first drops the database). */
export interface TwoInstances {
  first: TestServer;
  second: TestServer;
  close(): Promise<void>;
}

/** Builds `TwoInstances`: the second on the first's database; the first is closed again if the second fails. */
export async function buildTwoInstances(env: Record<string, string | undefined> = {}, options: BuildOptions = {}): Promise<TwoInstances> {
  const first = await buildTestServer(env, options);
  const second = await buildTestServer(env, { ...options, dbName: first.dbName }).catch(async (err: unknown) => {
    await first.close();
    throw err;
  });
  return {
    first,
    second,
    close: async () => {
      await second.close();
      await first.close();
    },
  };
}
