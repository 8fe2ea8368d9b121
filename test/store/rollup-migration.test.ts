import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, type Store } from '../../src/store/index.js';
import { databaseUri, ferretDbUri, uniqueDbName } from '../helpers/database.js';

/** A counter as it was kept before one document per cohort and week: one per metric and score. */
const former = (cohort: string, metric: string, count: number, extra: { score?: number; steps?: string[] } = {}) => ({
  _id: ['default', 'nps', '2026-03-09', cohort, metric, extra.score ?? ''].join('|'),
  businessId: 'default',
  kind: 'nps',
  week: '2026-03-09',
  cohort,
  metric,
  count,
  ...extra,
});

describe.each([
  ['the suite database', databaseUri],
  ['FerretDB', ferretDbUri],
])('counters kept one per metric and score, on %s', (_label, uri) => {
  let conn: Connection;
  let store: Store;
  beforeAll(async () => {
    conn = await mongoose.createConnection(uri(), { dbName: uniqueDbName('fold') }).asPromise();
    const db = conn.db!;
    // Survey s1's step (started + score 9) was cut by a crash after its 'all' counters and before
    // its tag's score: its survey still owes it. Step s0 was counted whole and is no longer owed.
    await db.collection<{ _id: string; [field: string]: unknown }>('rollups').insertMany([
      former('all', 'sent', 5),
      former('all', 'started', 4, { steps: ['s0', 's1'] }),
      former('all', 'score', 3, { score: 9, steps: ['s0', 's1'] }),
      former('all', 'score', 1, { score: 2 }),
      former('all', 'completed', 2),
      former('tag:vip', 'sent', 2),
      former('tag:vip', 'started', 2, { steps: ['s1'] }),
      former('tag:vip', 'score', 1, { score: 9 }),
    ]);
    await db.collection('surveys').insertOne({ businessId: 'default', state: 'awaiting_comment', countsDue: [{ step: 's1', metrics: ['started', 'score'], score: 9, at: new Date('2026-03-10T15:00:00Z') }] });
    // A fold cut short earlier left a wrong number behind: the fold sets, it does not add.
    await db.collection<{ _id: string; [field: string]: unknown }>('week_counts').insertOne({ _id: 'default|nps|2026-03-09|all', businessId: 'default', kind: 'nps', week: '2026-03-09', cohort: 'all', sent: 99 });
    store = await createStore(conn, () => new Date('2026-03-10T16:00:00Z'));
  });
  afterAll(async () => {
    await conn.db?.dropDatabase().catch(() => {});
    await conn.close();
  });

  it('are folded into one document per cohort and week, without the counts a survey still owes', async () => {
    const rows = await store.rollups.read('default', { from: '2026-03-09', to: '2026-03-09' });
    const byCohort = Object.fromEntries(rows.map(({ cohort, sent, started, completed, scores }) => [cohort, { sent, started, completed, scores }]));
    expect(byCohort).toEqual({
      all: { sent: 5, started: 3, completed: 2, scores: { 9: 2, 2: 1 } },
      'tag:vip': { sent: 2, started: 1, completed: 0, scores: { 9: 1 } },
    });
    expect((await conn.db!.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name)).not.toContain('rollups');
  });

  it('count the owed step once when the sweeper applies it again, whole', async () => {
    const key = { businessId: 'default', kind: 'nps', week: '2026-03-09', tags: ['vip'] };
    await store.rollups.add(key, ['started', 'score'], 9, 's1');
    await store.rollups.add(key, ['started', 'score'], 9, 's1');
    const rows = await store.rollups.read('default', { from: '2026-03-09', to: '2026-03-09' });
    expect(rows.map(({ cohort, started, scores }) => ({ cohort, started, scores })).sort((a, b) => a.cohort.localeCompare(b.cohort))).toEqual([
      { cohort: 'all', started: 4, scores: { 9: 3, 2: 1 } },
      { cohort: 'tag:vip', started: 2, scores: { 9: 2 } },
    ]);
  });

  it('are left alone by the next start', async () => {
    await createStore(conn, () => new Date('2026-03-10T17:00:00Z'));
    const rows = await store.rollups.read('default', { from: '2026-03-09', to: '2026-03-09' });
    expect(rows.find((r) => r.cohort === 'all')?.started).toBe(4);
  });
});
