import type { FastifyInstance, InjectOptions } from 'fastify';
import type { KeyScope } from '../../../src/store/index.js';
import { buildTestServer, type TestServer } from '../../helpers/build.js';
import { uniqueDbName } from '../../helpers/database.js';
import type { TestClock } from '../../helpers/clock.js';

/** The env API_KEY of these tests: a key of the first business with every scope. */
export const envKey = 'k_v1_test_0123456789abcdef';

/**
 * A server with a second business ("second", stored before the start, as `npm run business -- add`
 * does: the businesses a server serves are read when it starts).
 */
export async function buildV1Server(env: Record<string, string> = {}, clock?: TestClock): Promise<TestServer> {
  const fullEnv = { WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0', API_KEY: envKey, THROTTLE_DAYS: '0', API_RATE_LIMIT: '100000', ...env };
  const dbName = uniqueDbName('v1');
  const setup = await buildTestServer(fullEnv, { dbName, ...(clock ? { now: clock.now } : {}) });
  await setup.app.store.businesses.save({ ...(await setup.app.businesses.get('default'))!.settings, id: 'second', name: 'Second shop' });
  await setup.app.close();
  const server = await buildTestServer(fullEnv, { dbName, ...(clock ? { now: clock.now } : {}) });
  return { ...server, close: async () => {
    await server.app.db.dropDatabase().catch(() => {});
    await server.close();
  } };
}

/** A stored key of `businessId` with these scopes, as the API would hand it out. */
export async function makeKey(app: FastifyInstance, businessId: string, scopes: KeyScope[], name = 'test'): Promise<string> {
  return (await app.store.apiKeys.create({ businessId, name, scopes })).key;
}

/** The other business on the same deployment (made by `buildV1Server`). */
export function secondBusiness(app: FastifyInstance, id = 'second'): void {
  if (!app.businesses.ids().includes(id)) throw new Error(`business ${id} is not served: build the server with buildV1Server`);
}

/** A request to /api/v1 with a key (JSON bodies as JSON). */
export function v1(app: FastifyInstance, key: string | undefined, method: InjectOptions['method'], path: string, payload?: unknown, headers: Record<string, string> = {}) {
  return app.inject({
    method,
    url: `/api/v1${path}`,
    headers: { ...(key ? { 'x-api-key': key } : {}), ...headers },
    ...(payload === undefined ? {} : { payload: payload as InjectOptions['payload'] }),
  });
}
