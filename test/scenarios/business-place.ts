import { spawnSync } from 'node:child_process';
import type { TestClock } from '../helpers/clock.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { databaseUri } from '../helpers/database.js';

/**
 * Where the scenarios' business comes from: the environment (the deployment's variables, the
 * business `default`, un-prefixed routes) or the operator API (a business created while the server
 * runs, routes under `/b/<id>/`). Every scenario passes on both: nothing but the start-up step tells
 * them apart.
 */
export type BusinessPlace = 'environment' | 'api';

export interface PlacedBusiness {
  server: TestServer;
  businessId: string;
  /** The prefix of the business's routes: '' for the environment's, `/b/<id>` for one created through the API. */
  basePath: string;
}

const hhmm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/**
 * A server with the deployment's settings and a business with these channel identities: given to it
 * as environment variables, or created through the operator API with the same settings the environment
 * would give (the operator key made with the command line, as an operator makes it).
 */
export async function placeBusiness(
  place: BusinessPlace | undefined,
  clock: TestClock,
  deployment: Record<string, string>,
  identities: { env: Record<string, string>; channels: Record<string, unknown> },
): Promise<PlacedBusiness> {
  if (place !== 'api') return { server: await buildTestServer({ ...deployment, ...identities.env }, { now: clock.now }), businessId: 'default', basePath: '' };
  const server = await buildTestServer(deployment, { now: clock.now });
  const made = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/api-key.ts', 'create', '--operator', '--name', 'scenarios'], {
    env: { PATH: process.env.PATH, MONGODB_URI: `${databaseUri().replace(/\/+$/, '')}/${server.dbName}`, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (made.status !== 0) throw new Error(`operator key: ${made.stderr}`);
  const { business } = server.config;
  const created = await server.app.inject({
    method: 'POST',
    url: '/api/v1/businesses',
    headers: { 'x-api-key': made.stdout.trim() },
    payload: {
      id: 'scenes',
      name: business.name,
      timeZone: business.timeZone,
      locale: business.locale,
      country: business.country,
      sendWindow: `${hhmm(business.sendWindow.startMinute)}-${hhmm(business.sendWindow.endMinute)}`,
      throttleDays: business.throttleDays,
      channels: identities.channels,
    },
  });
  if (created.statusCode !== 201) throw new Error(`creating the business: ${created.statusCode} ${created.body}`);
  return { server, businessId: 'scenes', basePath: '/b/scenes' };
}
