import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, type Store } from '../../src/store/index.js';
import { ferretDbUri, uniqueDbName } from '../helpers/database.js';

/**
 * The FerretDB compensation, on FerretDB: switched on by what the server reports, it makes a guarded
 * change single-winner and loses no counter increment from one process, where FerretDB alone does not.
 */
describe('write guard on FerretDB', () => {
  let conn: Connection;
  let store: Store;
  let clock = new Date('2026-03-10T15:00:00Z');
  beforeAll(async () => {
    conn = await mongoose.createConnection(ferretDbUri(), { dbName: uniqueDbName('guard') }).asPromise();
    store = await createStore(conn, () => clock);
  });
  afterAll(async () => {
    await conn.db?.dropDatabase().catch(() => {});
    await conn.close();
  });

  it('is on because the server says it is FerretDB', () => {
    expect(store.server).toBe('ferretdb');
  });

  it('lets exactly one of 40 concurrent changes from one revision win', async () => {
    const inserted = await store.surveys.insert({
      businessId: 'b', customerId: new mongoose.Types.ObjectId().toString(), channel: 'web', address: 'v_guard', trigger: 'api', tags: [], week: '2026-03-09',
      kind: 'nps', state: 'invited', locale: 'en', vars: { business: 'Acme' }, reprompts: 0, invitedAt: clock,
    });
    if (!('inserted' in inserted)) throw new Error('not inserted');
    const survey = (await store.surveys.byId(inserted.inserted))!;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => store.surveys.transition(survey, { ...survey, state: 'awaiting_comment', score: i % 11, band: 'passive' }, { messageId: `m${i}` })),
    );
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    const stored = (await store.surveys.byId(survey.id))!;
    expect(stored.rev).toBe(1);
    expect(stored.inbound).toEqual(winners[0]!.inbound);
  });

  it('loses no count when 40 increments of one counter race', async () => {
    const key = { businessId: 'b', kind: 'nps', week: '2026-03-09' };
    await Promise.all(Array.from({ length: 40 }, () => store.rollups.add(key, ['scored'])));
    const rows = await store.rollups.read('b', { from: '2026-03-09', to: '2026-03-09' });
    expect(rows.find((r) => r.cohort === 'all')?.scored).toBe(40);
  });

  it('frees a change whose writer died between its claim and its write, after 30 s', async () => {
    const inserted = await store.surveys.insert({
      businessId: 'b', customerId: new mongoose.Types.ObjectId().toString(), channel: 'web', address: 'v_orphan', trigger: 'api', tags: [], week: '2026-03-09',
      kind: 'csat', state: 'invited', locale: 'en', vars: { business: 'Acme' }, reprompts: 0, invitedAt: clock,
    });
    if (!('inserted' in inserted)) throw new Error('not inserted');
    const survey = (await store.surveys.byId(inserted.inserted))!;
    // A writer that takes the revision and dies before writing:
    await store.guard.exclusive({ collection: 'surveys', id: survey.id, version: 0 }, async () => null);
    const next = { ...survey, state: 'awaiting_comment' as const, score: 4, band: 'promoter' as const };
    expect(await store.surveys.transition(survey, next, { messageId: 'a' })).toBeNull();
    clock = new Date(clock.getTime() + 31_000);
    expect((await store.surveys.transition(survey, next, { messageId: 'a' }))?.rev).toBe(1);
  });
});
