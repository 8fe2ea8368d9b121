/**
 * Figure 3: the weekly digest and /stats over many stored surveys, from the rollup counters, timed
 * beside a full recomputation from the surveys (which must give the same numbers), and the same
 * queries over 1,000 surveys for the growth ratio. The metrics API does not exist yet (#15).
 */
import mongoose from 'mongoose';
import type { Db, Document } from 'mongodb';
import { buildDigest } from '../../src/digest/build-digest.js';
import { periodStats, statsJson } from '../../src/digest/stats.js';
import { createStore, type RollupRow, type Store } from '../../src/store/index.js';
import { weekKey } from '../../src/surveys/calendar.js';
import { httpRequest, is2xx } from '../../test/faults/http.js';
import { apiKey, startProduct, withDbName, type Fakes } from '../lib/product.js';
import { businessId, generateSurveys } from '../lib/survey-data.js';

const business = { id: businessId, timeZone: 'UTC' };

/** The counters a rollup read returns, computed from the surveys instead (two scans, `$match` + `$group`). */
async function recomputed(db: Db, weeks: { from: string; to: string }, allCohortOnly: boolean): Promise<RollupRow[]> {
  const match = { businessId, week: { $gte: weeks.from, $lte: weeks.to } };
  const [states, commented] = await Promise.all([
    db.collection('surveys').aggregate<Document>([{ $match: match }, { $group: { _id: { kind: '$kind', week: '$week', state: '$state', score: '$score', tags: '$tags' }, n: { $sum: 1 } } }]).toArray(),
    db.collection('surveys').aggregate<Document>([{ $match: { ...match, comment: { $type: 'string' } } }, { $group: { _id: { kind: '$kind', week: '$week', tags: '$tags' }, n: { $sum: 1 } } }]).toArray(),
  ]);
  const rows = new Map<string, RollupRow>();
  const add = (kind: string, week: string, cohort: string, metric: string, score: number | null, n: number) => {
    const key = [kind, week, cohort, metric, score ?? ''].join('|');
    const row = rows.get(key) ?? { kind, week, cohort, metric, score, count: 0 };
    row.count += n;
    rows.set(key, row);
  };
  const cohortsOf = (tags: unknown) => ['all', ...(allCohortOnly ? [] : ((tags as string[] | null) ?? []).map((t) => `tag:${t}`))];
  for (const { _id, n } of states) {
    const score = typeof _id.score === 'number' ? _id.score : null;
    for (const cohort of cohortsOf(_id.tags)) {
      add(_id.kind, _id.week, cohort, 'sent', null, n);
      if (score !== null) {
        add(_id.kind, _id.week, cohort, 'started', null, n);
        add(_id.kind, _id.week, cohort, 'score', score, n);
      }
      if (_id.state === 'completed') add(_id.kind, _id.week, cohort, 'completed', null, n);
    }
  }
  for (const { _id, n } of commented) for (const cohort of cohortsOf(_id.tags)) add(_id.kind, _id.week, cohort, 'commented', null, n);
  return [...rows.values()];
}

/** The store with its rollup reads answered by recomputation from the surveys. */
function recomputingStore(store: Store, db: Db): Store {
  const rollups = { read: (_b: string, weeks: { from: string; to: string }, options: { allCohortOnly?: boolean } = {}) => recomputed(db, weeks, options.allCohortOnly ?? false) };
  return { ...store, rollups: rollups as unknown as Store['rollups'] };
}

/**
 * Median of up to `runs` timings (ms) after a warm-up, and the last result. Slow work (a scan of the
 * surveys) gets fewer: a first run over a second counts as a timing itself, and 10 s ends the series.
 */
async function timed<T>(runs: number, work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const times: number[] = [];
  let t = performance.now();
  let result = await work();
  const first = performance.now() - t;
  if (first > 1_000) times.push(first);
  const until = performance.now() + 10_000;
  while (times.length < runs && (times.length === 0 || performance.now() < until)) {
    t = performance.now();
    result = await work();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, result };
}

export interface DigestSize {
  surveys: number;
  rollups: number;
  generateSeconds: number;
  /** GET /api/stats from the production server over HTTP (measured on the larger set only). */
  statsHttpMs?: number;
  statsMs: number;
  statsRecomputedMs: number;
  digestMs: number;
  digestRecomputedMs: number;
  /** The digest's numbers alone (the rollup read), without its comment and detractor lists. */
  digestNumbersMs: number;
  equal: { stats: boolean; digest: boolean };
}

async function measureSize(uri: string, dbName: string, count: number, runs: number, fakes: Fakes | undefined, log: (line: string) => void): Promise<DigestSize> {
  const now = new Date();
  const conn = await mongoose.createConnection(withDbName(uri, dbName), { serverSelectionTimeoutMS: 10_000 }).asPromise();
  try {
    const store = await createStore(conn, () => now);
    const db = conn.db! as unknown as Db;
    const generated = await generateSurveys(db, count, now);
    log(`digest: ${count} surveys and ${generated.rollups} counters stored in ${generated.seconds.toFixed(1)} s`);
    const week = weekKey(now, 'UTC');
    const slow = recomputingStore(store, db);
    const stats = await timed(runs, () => periodStats(store, business, now, 90));
    const statsRecomputed = await timed(1, () => periodStats(slow, business, now, 90));
    const digest = await timed(runs, () => buildDigest(store, businessId, week));
    const digestRecomputed = await timed(1, () => buildDigest(slow, businessId, week));
    const numbers = await timed(runs, () => store.rollups.read(businessId, { from: digest.result.previousStart, to: week }));
    // /stats as a client gets it: the production server over HTTP.
    let statsHttp: { ms: number } | undefined;
    if (fakes) {
      const server = await startProduct(fakes, withDbName(uri, dbName), 'production');
      try {
        statsHttp = await timed(runs, async () => {
          const res = await httpRequest('GET', `${server.url}/api/stats?period=90d`, { headers: { 'x-api-key': apiKey }, timeoutMs: 120_000 });
          if (!is2xx(res)) throw new Error(`/api/stats: ${JSON.stringify(res).slice(0, 200)}`);
          return res;
        });
      } finally {
        await server.stop();
      }
    }
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    return {
      surveys: count,
      rollups: generated.rollups,
      generateSeconds: generated.seconds,
      ...(statsHttp ? { statsHttpMs: statsHttp.ms } : {}),
      statsMs: stats.ms,
      statsRecomputedMs: statsRecomputed.ms,
      digestMs: digest.ms,
      digestRecomputedMs: digestRecomputed.ms,
      digestNumbersMs: numbers.ms,
      equal: { stats: same(statsJson(stats.result), statsJson(statsRecomputed.result)), digest: same(digest.result, digestRecomputed.result) },
    };
  } finally {
    await conn.close();
  }
}

export interface DigestFigures {
  database: string;
  large: DigestSize;
  small: DigestSize;
  growth: { stats: number; digest: number; digestNumbers: number };
  metricsApi: string;
}

export async function benchDigest(database: { uri: string; engine: string }, sizes: { large: number; small: number; runs: number }, fakes: Fakes, log: (line: string) => void): Promise<DigestFigures> {
  const small = await measureSize(database.uri, 'bench_digest_small', sizes.small, sizes.runs, undefined, log);
  const large = await measureSize(database.uri, 'bench_digest_large', sizes.large, sizes.runs, fakes, log);
  return {
    database: database.engine,
    large,
    small,
    growth: { stats: large.statsMs / small.statsMs, digest: large.digestMs / small.digestMs, digestNumbers: large.digestNumbersMs / small.digestNumbersMs },
    metricsApi: 'not built yet (issue #15); it will read the same rollups',
  };
}
