import { afterAll, beforeAll } from 'vitest';
import { buildTestServer, type TestServer } from '../../helpers/build.js';
import type { TestClock } from '../../helpers/clock.js';
import { startFakeBotConnector, type FakeBotConnector } from '../../helpers/fake-bot-connector.js';

export interface TeamsTestServer {
  connector: FakeBotConnector;
  server: TestServer;
}

/** The whole product with Teams (token checks off) beside the Bot Connector fake, for one test file; read its fields inside the tests. */
export function useTeamsServer(clock: TestClock): TeamsTestServer {
  const t = {} as TeamsTestServer;
  beforeAll(async () => {
    t.connector = await startFakeBotConnector();
    t.server = await buildTestServer({ TEAMS_AUTH_DISABLED: 'true', SWEEP_INTERVAL: '0' }, { now: clock.now });
  });
  afterAll(async () => {
    await t.server?.close();
    await t.connector?.close();
  });
  return t;
}
