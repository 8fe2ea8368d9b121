/**
 * Figure 7: settling, per instance. Counters are a cache of the surveys: a step costs one `$inc`
 * upsert and nothing more, and a week is made exact once, when it closes, by recounting it from its
 * surveys. This times that recount over stored weeks (surveys a minute) and checks it gives the
 * counters the product's increments gave. Before, the sweeper settled each step's owed counts
 * again (about 8 more writes for a two-step survey), at most 200 surveys a sweep: 400 a minute at
 * the default 30 s interval.
 */
import mongoose from 'mongoose';
import type { Db } from 'mongodb';
import { createStore } from '../../src/store/index.js';
import { withDbName } from '../lib/product.js';
import { businessId, generateSurveys } from '../lib/survey-data.js';

export interface SettlingFigures {
  database: string;
  surveys: number;
  weeks: number;
  recountMs: number;
  surveysPerMinute: number;
  /** The former sweeper's ceiling: 200 surveys a sweep, every 30 s. */
  formerSurveysPerMinute: number;
  equal: boolean;
}

export async function benchSettling(database: { uri: string; engine: string }, surveys: number, log: (line: string) => void): Promise<SettlingFigures> {
  const now = new Date();
  const conn = await mongoose.createConnection(withDbName(database.uri, 'bench_settling'), { serverSelectionTimeoutMS: 10_000 }).asPromise();
  try {
    await conn.dropDatabase();
    const store = await createStore(conn, () => now);
    const generated = await generateSurveys(conn.db! as unknown as Db, surveys, now);
    // The weeks that are over (the current one is still open).
    const weeks = generated.weeks.slice(0, -1);
    const range = { from: weeks[0]!, to: weeks.at(-1)! };
    // The cohorts the generated counters keep (all and tags; the product also counts channels).
    const sorted = async () => (await store.rollups.read(businessId, range)).filter((r) => r.cohort === 'all' || r.cohort.startsWith('tag:')).sort((a, b) => `${a.kind}${a.week}${a.cohort}`.localeCompare(`${b.kind}${b.week}${b.cohort}`));
    const before = await sorted();
    const inWeeks = await conn.db!.collection('surveys').countDocuments({ businessId, week: { $gte: range.from, $lte: range.to } });
    const t = performance.now();
    for (const week of weeks) await store.rollups.recount(businessId, week, true);
    const recountMs = performance.now() - t;
    const equal = JSON.stringify(await sorted()) === JSON.stringify(before);
    const figures = { database: database.engine, surveys: inWeeks, weeks: weeks.length, recountMs, surveysPerMinute: Math.round(inWeeks / (recountMs / 60_000)), formerSurveysPerMinute: 400, equal };
    log(`settling: ${inWeeks} surveys in ${weeks.length} closed weeks recounted in ${recountMs.toFixed(0)} ms: ${figures.surveysPerMinute} surveys a minute (before: at most 400), counters equal ${equal}`);
    return figures;
  } finally {
    await conn.dropDatabase().catch(() => {});
    await conn.close();
  }
}
