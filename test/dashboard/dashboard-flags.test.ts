import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardView } from '../../src/dashboard/dashboard-data.js';
import type { BusinessSettings } from '../../src/store/index.js';
import { weekKey } from '../../src/domain/calendar.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';

/** The dashboard's groups are flagged by the rule the API and the digest use, never on a handful of answers. */
describe('dashboard group flags', () => {
  const now = new Date('2026-03-11T12:00:00Z');
  let server: TestServer;
  let business: BusinessSettings;
  beforeAll(async () => {
    server = await buildTestServer({ SWEEP_INTERVAL: '0' });
    business = (await server.app.store.businesses.get('default'))!;
    const week = weekKey(now, business.timeZone);
    const add = (tags: string[], score: number) => server.app.store.rollups.add({ businessId: 'default', kind: 'nps', week, tags }, ['sent', 'scored', 'score'], score);
    for (let i = 0; i < 20; i++) await add([], 10);
    await add(['single'], 0); // one detractor: NPS −100 against a unanimous +100
    for (let i = 0; i < 12; i++) await add(['unhappy'], i < 10 ? 0 : 10);
  });
  afterAll(() => server.close());

  it('does not flag a group of one answer, and flags a group of 12 by the adjusted p', async () => {
    const view = await dashboardView(server.app.store, business, 'nps', 7, now);
    const single = view.cohorts.find((c) => c.cohort === 'tag:single')!;
    expect(single).toMatchObject({ n: 1, restN: 32, flagged: false, adjustedP: null });
    // unhappy: 2 promoters, 10 detractors of 12 → −66.7; rest: 20 promoters, 1 detractor of 21 → 90.5.
    const unhappy = view.cohorts.find((c) => c.cohort === 'tag:unhappy')!;
    expect(unhappy).toMatchObject({ n: 12, restN: 21, score: -66.7, delta: -157.1, flagged: true });
    expect(unhappy.adjustedP).toBeLessThan(0.001);
  });
});
