import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../helpers/build.js';

describe('rollup counters', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await buildTestServer({ SWEEP_INTERVAL: '0' });
  });
  afterAll(() => server.close());

  it('lose no count when many first increments of one counter race', async () => {
    const key = { businessId: 'default', kind: 'nps', week: '2026-03-09', tags: ['vip'] };
    await Promise.all(Array.from({ length: 40 }, () => server.app.store.rollups.add(key, ['started', 'score'], 9)));
    const docs = await server.app.store.rollups.model.find({ week: '2026-03-09' }).lean();
    const byId = Object.fromEntries(docs.map((d) => [d._id, d.count]));
    expect(byId).toEqual({
      'default|nps|2026-03-09|all|started|': 40,
      'default|nps|2026-03-09|tag:vip|started|': 40,
      'default|nps|2026-03-09|all|score|9': 40,
      'default|nps|2026-03-09|tag:vip|score|9': 40,
    });
  });
});
