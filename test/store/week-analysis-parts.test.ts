import mongoose, { type Connection } from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import { WeekAnalysisRepository } from '../../src/store/week-analyses.js';
import { databaseUri, ferretDbUri, uniqueDbName } from '../helpers/database.js';

/**
 * A kept week analysis read in part: the reports that need one part of it (themes, segments, drops)
 * ask for that part alone, on the suite's database and on FerretDB (the quick start's database).
 */
describe.each([
  ['suite database', () => databaseUri()],
  ['FerretDB', () => ferretDbUri()],
])('a kept analysis read in part (%s)', (_label, uri) => {
  let conn: Connection | undefined;
  afterAll(async () => {
    await conn?.db?.dropDatabase().catch(() => {});
    await conn?.close();
  });

  it('returns the parts asked for and nothing else of the value, with what says whether it is up to date', { timeout: 60_000 }, async () => {
    conn = await mongoose.createConnection(uri(), { dbName: uniqueDbName('week_parts') }).asPromise();
    const repo = new WeekAnalysisRepository(WeekAnalysisRepository.model(conn));
    // Indexes first: a write racing the model's index build is refused by mongo-java-server.
    await repo.model.init();
    const value = { terms: [{ kind: 'nps', bands: [{ band: 'detractor', terms: { late: 3 } }] }], drops: [{ kind: 'nps', drops: 2, others: 5 }], segments: [] };
    const startedAt = new Date('2026-11-30T00:00:00Z');
    expect(await repo.write('b1', '2026-11-23', 'inputs-1', startedAt, value, 'analysis', 12)).toBe(true);
    const inputs = new Map([['2026-11-23', 'inputs-1']]);

    const drops = (await repo.kept('b1', inputs, 'analysis', ['drops'])).get('2026-11-23');
    expect(drops).toMatchObject({ value: { drops: value.drops }, upToDate: true, inputs: 'inputs-1', answers: 12 });
    expect(Object.keys(drops!.value as object)).toEqual(['drops']);
    const two = (await repo.kept('b1', inputs, 'analysis', ['terms', 'segments'])).get('2026-11-23');
    expect(two?.value).toEqual({ terms: value.terms, segments: [] });
    expect((await repo.kept('b1', inputs)).get('2026-11-23')?.value).toEqual(value);
    // No part named: the whole value, as with none given (never an empty one that looks missing).
    expect((await repo.kept('b1', inputs, 'analysis', [])).get('2026-11-23')?.value).toEqual(value);
    // Another week's inputs: not up to date, still read in part.
    const other = (await repo.kept('b1', new Map([['2026-11-23', 'inputs-2']]), 'analysis', ['drops'])).get('2026-11-23');
    expect(other).toMatchObject({ upToDate: false, value: { drops: value.drops } });
  });
});
