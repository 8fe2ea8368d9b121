/**
 * Figure 3: the weekly digest and /stats over many stored surveys, from the rollup counters, timed
 * beside a full recomputation from the surveys (which must give the same numbers), and the same
 * queries over 1,000 surveys for the growth ratio; the counter reads also over a set in between
 * whose histograms have every score (what more surveys cost once the counters are as big as they get).
 */
import mongoose from 'mongoose';
import type { Db, Document } from 'mongodb';
import { buildDigest } from '../../src/digest/build-digest.js';
import { periodStats, statsJson } from '../../src/digest/stats.js';
import { metricsByCohort } from '../../src/insights/index.js';
import { createStore, type RollupRow, type Store } from '../../src/store/index.js';
import { shiftWeek, weekKey } from '../../src/domain/calendar.js';
import { httpRequest, is2xx } from '../../test/faults/http.js';
import { apiKey, startProduct, withDbName, type Fakes } from '../lib/product.js';
import { businessId, generateSurveys } from '../lib/survey-data.js';

const business = { id: businessId, timeZone: 'UTC' };

/** The counters a rollup read returns, computed from the surveys instead (two scans, `$match` + `$group`). */
async function recomputed(db: Db, weeks: { from: string; to: string }, allCohortOnly: boolean): Promise<RollupRow[]> {
  const match = { businessId, week: { $gte: weeks.from, $lte: weeks.to } };
  const [states, commented] = await Promise.all([
    db.collection('surveys').aggregate<Document>([{ $match: match }, { $group: { _id: { kind: '$kind', week: '$week', state: '$state', score: '$score', abandonedAt: '$abandonedAt', tags: '$tags' }, n: { $sum: 1 } } }]).toArray(),
    db.collection('surveys').aggregate<Document>([{ $match: { ...match, comment: { $type: 'string' } } }, { $group: { _id: { kind: '$kind', week: '$week', tags: '$tags' }, n: { $sum: 1 } } }]).toArray(),
  ]);
  const rows = new Map<string, RollupRow>();
  const row = (kind: string, week: string, cohort: string): RollupRow => {
    const key = [kind, week, cohort].join('|');
    const r = rows.get(key) ?? { kind, week, cohort, sent: 0, scored: 0, completed: 0, commented: 0, unscored: 0, scores: {} };
    rows.set(key, r);
    return r;
  };
  const cohortsOf = (tags: unknown) => ['all', ...(allCohortOnly ? [] : ((tags as string[] | null) ?? []).map((t) => `tag:${t}`))];
  for (const { _id, n } of states) {
    const score = typeof _id.score === 'number' ? _id.score : null;
    for (const cohort of cohortsOf(_id.tags)) {
      const r = row(_id.kind, _id.week, cohort);
      r.sent += n;
      if (score !== null) {
        r.scored += n;
        r.scores[score] = (r.scores[score] ?? 0) + n;
      }
      if (_id.state === 'completed') r.completed += n;
      if (_id.abandonedAt === 'score') r.unscored += n;
    }
  }
  for (const { _id, n } of commented) for (const cohort of cohortsOf(_id.tags)) row(_id.kind, _id.week, cohort).commented += n;
  return [...rows.values()];
}

/** The store with its rollup reads answered by recomputation from the surveys. */
function recomputingStore(store: Store, db: Db): Store {
  const rollups = { read: (_b: string, weeks: { from: string; to: string }, options: { allCohortOnly?: boolean } = {}) => recomputed(db, weeks, options.allCohortOnly ?? false) };
  return { ...store, rollups: rollups as unknown as Store['rollups'] };
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function clock<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const t = performance.now();
  const result = await work();
  return { ms: performance.now() - t, result };
}

/**
 * The same query on each dataset, in turn (so all see the same noise and the same warm code, here
 * and in the database server's JIT), after a warm-up: the medians and the last results.
 */
export async function alternate<T, K extends string, D = Dataset>(runs: number, work: (d: D) => Promise<T>, sets: Record<K, D>): Promise<{ ms: Record<K, number>; result: Record<K, T> }> {
  const entries = Object.entries(sets) as Array<[K, D]>;
  for (let i = 0; i < Math.min(3, runs); i++) for (const [, d] of entries) await work(d);
  const times = {} as Record<K, number[]>;
  const result = {} as Record<K, T>;
  for (let i = 0; i < runs; i++) {
    for (const [key, d] of entries) {
      const timed = await clock(() => work(d));
      (times[key] ??= []).push(timed.ms);
      result[key] = timed.result;
    }
  }
  const ms = Object.fromEntries(entries.map(([key]) => [key, median(times[key])])) as Record<K, number>;
  return { ms, result };
}

export interface DigestSize {
  surveys: number;
  rollups: number;
  generateSeconds: number;
  /** GET /api/v1/stats from the production server over HTTP (measured on the larger set only). */
  statsHttpMs?: number;
  statsMs: number;
  statsRecomputedMs: number;
  /** The cohort metrics (`/api/v1/metrics/cohorts`): 12 weeks of NPS per tag, from the counters. */
  cohortMetricsMs: number;
  digestMs: number;
  /** The large set's first digest, which computed and kept its weeks' analyses and notes. */
  firstDigestMs?: number;
  digestRecomputedMs: number;
  /** The digest's numbers alone (the rollup read), without its comment and detractor lists. */
  digestNumbersMs: number;
  equal: { stats: boolean; digest: boolean };
}

interface Dataset {
  count: number;
  dbName: string;
  store: Store;
  /** The same store with its rollup reads recomputed from the surveys. */
  slow: Store;
  rollups: number;
  generateSeconds: number;
  close(): Promise<void>;
}

async function prepare(uri: string, dbName: string, count: number, now: Date, log: (line: string) => void): Promise<Dataset> {
  const conn = await mongoose.createConnection(withDbName(uri, dbName), { serverSelectionTimeoutMS: 10_000 }).asPromise();
  const store = await createStore(conn, () => now);
  const db = conn.db! as unknown as Db;
  const generated = await generateSurveys(db, count, now);
  log(`digest: ${count} surveys and ${generated.rollups} counters stored in ${generated.seconds.toFixed(1)} s`);
  return { count, dbName, store, slow: recomputingStore(store, db), rollups: generated.rollups, generateSeconds: generated.seconds, close: () => conn.close() };
}

/** The counter reads over a set in between, large enough that every histogram has all its scores. */
export interface FullHistograms {
  surveys: number;
  rollups: number;
  statsMs: number;
  digestNumbersMs: number;
  cohortMetricsMs: number;
}

export interface DigestFigures {
  database: string;
  large: DigestSize;
  small: DigestSize;
  full: FullHistograms;
  growth: { stats: number; digest: number; digestNumbers: number; cohortMetrics: number };
  /** The large set against the one in between: what more surveys cost once the counters are as big as they get. */
  growthFromFull: { stats: number; digestNumbers: number; cohortMetrics: number };
}

export async function benchDigest(
  database: { uri: string; engine: string },
  sizes: { large: number; full: number; small: number; runs: number },
  fakes: Fakes,
  log: (line: string) => void,
): Promise<DigestFigures> {
  const now = new Date();
  const week = weekKey(now, 'UTC');
  const small = await prepare(database.uri, 'bench_digest_small', sizes.small, now, log);
  const full = await prepare(database.uri, 'bench_digest_full', sizes.full, now, log);
  const large = await prepare(database.uri, 'bench_digest_large', sizes.large, now, log);
  try {
    // Counter reads take milliseconds: many runs, so pauses of either collector (Node's, the database
    // server's) move no median; 36 runs still gave ratios anywhere from 0.8× to 2×.
    const readRuns = sizes.runs * 16;
    const reads = { small, full, large };
    const stats = await alternate(readRuns, (d) => periodStats(d.store, business, now, 90), reads);
    const numbers = await alternate(readRuns, (d) => d.store.rollups.read(businessId, { from: shiftWeek(week, -1), to: week }), reads);
    // GET /api/v1/metrics/cohorts's work: 12 weeks of one kind per tag, from the counters.
    const cohortQuery = { kind: 'nps' as const, by: 'tag' as const, period: 'week' as const, from: shiftWeek(week, -11), to: week };
    const cohorts = await alternate(readRuns, (d) => metricsByCohort(d.store, businessId, cohortQuery), reads);
    // The first digest computes and keeps the weeks' analyses and notes (the sweeper's work when weeks
    // close; on a server without secondary indexes, scans); the runs after read them, as an owner's does.
    const first = await clock(() => buildDigest(large.store, businessId, week));
    const digest = await alternate(sizes.runs, (d) => buildDigest(d.store, businessId, week), { small, large });
    // Recomputation from the surveys: once each (a scan; nothing to warm up).
    const recomputed = async (d: Dataset) => ({ stats: await clock(() => periodStats(d.slow, business, now, 90)), digest: await clock(() => buildDigest(d.slow, businessId, week)) });
    const slow = { small: await recomputed(small), large: await recomputed(large) };
    // /stats as a client gets it: the production server over HTTP, on the larger set.
    const server = await startProduct(fakes, withDbName(database.uri, large.dbName), 'production');
    const http: number[] = [];
    try {
      for (let i = 0; i <= sizes.runs; i++) {
        const { ms, result } = await clock(() => httpRequest('GET', `${server.url}/api/v1/stats?period=90d`, { headers: { 'x-api-key': apiKey }, timeoutMs: 120_000 }));
        if (!is2xx(result)) throw new Error(`/api/v1/stats: ${JSON.stringify(result).slice(0, 200)}`);
        if (i > 0) http.push(ms);
      }
    } finally {
      await server.stop();
    }
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    const size = (d: Dataset, key: 'small' | 'large'): DigestSize => ({
      surveys: d.count,
      rollups: d.rollups,
      generateSeconds: d.generateSeconds,
      ...(key === 'large' ? { statsHttpMs: median(http) } : {}),
      statsMs: stats.ms[key],
      statsRecomputedMs: slow[key].stats.ms,
      digestMs: digest.ms[key],
      ...(key === 'large' ? { firstDigestMs: first.ms } : {}),
      digestRecomputedMs: slow[key].digest.ms,
      digestNumbersMs: numbers.ms[key],
      cohortMetricsMs: cohorts.ms[key],
      equal: { stats: same(statsJson(stats.result[key]), statsJson(slow[key].stats.result)), digest: same(digest.result[key], slow[key].digest.result) },
    });
    const [s, l] = [size(small, 'small'), size(large, 'large')];
    const f: FullHistograms = { surveys: full.count, rollups: full.rollups, statsMs: stats.ms.full, digestNumbersMs: numbers.ms.full, cohortMetricsMs: cohorts.ms.full };
    return {
      database: database.engine,
      large: l,
      small: s,
      full: f,
      growth: { stats: l.statsMs / s.statsMs, digest: l.digestMs / s.digestMs, digestNumbers: l.digestNumbersMs / s.digestNumbersMs, cohortMetrics: l.cohortMetricsMs / s.cohortMetricsMs },
      growthFromFull: { stats: l.statsMs / f.statsMs, digestNumbers: l.digestNumbersMs / f.digestNumbersMs, cohortMetrics: l.cohortMetricsMs / f.cohortMetricsMs },
    };
  } finally {
    await small.close();
    await full.close();
    await large.close();
  }
}
