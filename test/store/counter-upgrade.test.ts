import mongoose, { type Connection } from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/index.js';
import { funnel, readRollups } from '../../src/store/rollup-counts.js';
import { databaseUri, ferretDbUri, uniqueDbName } from '../helpers/database.js';

const opened: Connection[] = [];
afterAll(async () => {
  for (const conn of opened) {
    await conn.db?.dropDatabase().catch(() => {});
    await conn.close();
  }
});

const week = '2026-03-02';
/** A week's counters as the previous version stored them: the scored count named `started`. */
const previous = { businessId: 'b', kind: 'nps', week, sent: 5, started: 3, completed: 2, commented: 1, unscored: 1, scores: { 9: 2, 3: 1 }, open: false };

/**
 * Counters stored by the version that named the scored count `started` read the same after the
 * upgrade, on the suite's server and on FerretDB (what `npm start` runs).
 */
describe.each([
  ['the suite’s server', databaseUri],
  ['FerretDB', ferretDbUri],
])('counters stored before the upgrade, on %s', (_name, uri) => {
  it('are renamed at start and read as scored; one written meanwhile under both names adds up', async () => {
    const conn = await mongoose.createConnection(uri(), { dbName: uniqueDbName('counter-upgrade') }).asPromise();
    opened.push(conn);
    const raw = conn.db!.collection<Record<string, unknown> & { _id: string }>('week_counts');
    await raw.insertMany([
      { _id: `b|nps|${week}|all`, cohort: 'all', ...previous },
      { _id: `b|nps|${week}|tag:vip`, cohort: 'tag:vip', ...previous },
      // An instance of the previous version added to a counter this version had already renamed.
      { _id: `b|nps|${week}|channel:sms`, cohort: 'channel:sms', ...previous, started: 1, scored: 2 },
    ]);

    const store = await createStore(conn, () => new Date('2026-03-20T12:00:00Z'));

    const all = await raw.findOne({ _id: `b|nps|${week}|all` });
    expect(all).toMatchObject({ sent: 5, scored: 3, completed: 2, commented: 1, unscored: 1, scores: { 9: 2, 3: 1 } });
    expect(all).not.toHaveProperty('started');
    expect(await raw.findOne({ _id: `b|nps|${week}|channel:sms` })).toMatchObject({ started: 1, scored: 2 });

    const rows = await store.rollups.read('b', { from: week, to: week });
    expect(rows.map((r) => [r.cohort, r.scored]).sort()).toEqual([['all', 3], ['channel:sms', 3], ['tag:vip', 3]]);
    const counts = await readRollups(store, 'b', { from: week, to: week });
    expect(funnel(counts.get('nps', week))).toEqual({ sent: 5, scored: 3, completed: 2, endedUnscored: 1 });
    expect(funnel(counts.get('nps', week, 'channel:sms')).scored).toBe(3);

    // New answers count on the renamed field.
    await store.rollups.add({ businessId: 'b', kind: 'nps', week, tags: ['vip'], channel: 'sms' }, ['scored', 'score'], 9);
    const after = await readRollups(store, 'b', { from: week, to: week });
    expect([after.get('nps', week).scored, after.get('nps', week, 'tag:vip').scored, after.get('nps', week, 'channel:sms').scored]).toEqual([4, 4, 4]);
    expect((await raw.findOne({ _id: `b|nps|${week}|all` }))?.scored).toBe(4);

    // A second start finds nothing left to rename and changes nothing.
    await createStore(conn, () => new Date('2026-03-20T12:00:00Z'));
    expect(await raw.findOne({ _id: `b|nps|${week}|channel:sms` })).toMatchObject({ started: 1, scored: 3 });
  });
});
