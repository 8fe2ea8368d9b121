import type { FastifyInstance, InjectOptions } from 'fastify';
import type { ApiScope } from '../../../src/store/index.js';
import { buildTestServer, type TestServer } from '../../helpers/build.js';
import type { TestClock } from '../../helpers/clock.js';

/** The env API_KEY of these tests: a key of the first business with every scope. */
export const envKey = 'k_v1_test_0123456789abcdef';

export async function buildV1Server(env: Record<string, string> = {}, clock?: TestClock): Promise<TestServer> {
  return buildTestServer({ WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0', API_KEY: envKey, THROTTLE_DAYS: '0', API_RATE_LIMIT: '100000', ...env }, clock ? { now: clock.now } : {});
}

/** A stored key of `businessId` with these scopes, as the API would hand it out. */
export async function makeKey(app: FastifyInstance, businessId: string, scopes: ApiScope[], name = 'test'): Promise<string> {
  return (await app.store.apiKeys.create({ businessId, name, scopes })).key;
}

/** Another business on the same deployment. */
export async function secondBusiness(app: FastifyInstance, id = 'second'): Promise<void> {
  await app.store.businesses.save({ ...app.business, id, name: 'Second shop' });
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
