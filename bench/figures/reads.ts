/**
 * Figure 9: what an owner opens — the digest, the dashboard page (signed in, over HTTP), themes and
 * drops — over 1,000 / 100,000 / 1,000,000 stored surveys (the sizes asked for), each beside its
 * baseline in the same run: the same analysis read the way it was before week analyses were kept
 * (the period's surveys and their people's history into Node), which must give the same numbers.
 * The data is figure 3's (12 weeks, three kinds, 20 tags). Week analyses are computed once per set
 * first (what the sweeper does when weeks close), and that time is reported too.
 */
import mongoose from 'mongoose';
import type { Db } from 'mongodb';
import { DashboardAccess } from '../../src/dashboard/access.js';
import { dashboardView } from '../../src/dashboard/dashboard-data.js';
import { buildDigest } from '../../src/digest/build-digest.js';
import { dropsReport, themesReport } from '../../src/insights/index.js';
import { segmentsFor } from '../../src/insights/segments-report.js';
import { commentThemes } from '../../src/insights/themes.js';
import { keptCommentIds, weekAnalyses, weeksDropFeatures, weeksThemes } from '../../src/insights/week-analysis.js';
import { createStore, type BusinessSettings, type Store } from '../../src/store/index.js';
import { shiftWeek, weekKey } from '../../src/domain/calendar.js';
import { httpRequest, is2xx } from '../../test/faults/http.js';
import { publicUrl, startProduct, withDbName, type Fakes } from '../lib/product.js';
import { businessId, generateSurveys } from '../lib/survey-data.js';
import { alternate, clock, median } from './digest.js';

interface ReadSet {
  count: number;
  dbName: string;
  store: Store;
  business: BusinessSettings;
  generateSeconds: number;
  analyseSeconds: number;
  close(): Promise<void>;
}

export interface ReadSize {
  surveys: number;
  generateSeconds: number;
  /** Computing the 12 weeks' analyses once (the sweeper's work when weeks close). */
  analyseSeconds: number;
  /** The whole digest (`buildDigest`), and its insight lines' drops and themes alone, beside those read the former way. */
  digestMs: number;
  digestInsightsMs: number;
  digestInsightsBaselineMs: number;
  /** GET /dashboard?kind=nps&days=30 with an owner's session cookie, from the production server. */
  dashboardHttpMs: number;
  /** The dashboard's data in process, and two of its parts that read surveys: the segments line and the waiting list. */
  dashboardMs: number;
  dashboardSegmentsMs: number;
  dashboardWaitingMs: number;
  /** The dashboard's themes and drops read the former way (answer-time period, the surveys into Node). */
  dashboardBaselineMs: number;
  /** Themes and drops over the digest's four weeks, from the kept analyses, beside the full read. */
  themesMs: number;
  themesBaselineMs: number;
  dropsMs: number;
  dropsBaselineMs: number;
  equal: { themes: boolean; drops: boolean };
}

export interface ReadFigures {
  database: string;
  sizes: ReadSize[];
  /** Largest set over the smallest. */
  growth: { digest: number; digestInsights: number; dashboardHttp: number; dashboard: number; themes: number; drops: number };
}

async function prepare(uri: string, count: number, now: Date, log: (line: string) => void): Promise<ReadSet> {
  const dbName = `bench_reads_${count}`;
  const conn = await mongoose.createConnection(withDbName(uri, dbName), { serverSelectionTimeoutMS: 10_000 }).asPromise();
  const store = await createStore(conn, () => now);
  const generated = await generateSurveys(conn.db! as unknown as Db, count, now);
  const t = performance.now();
  await weekAnalyses(store, businessId, generated.weeks);
  const analyseSeconds = (performance.now() - t) / 1000;
  log(`reads: ${count} surveys stored in ${generated.seconds.toFixed(1)} s, 12 weeks analysed in ${analyseSeconds.toFixed(1)} s`);
  const business = (await store.businesses.get(businessId)) ?? ({ id: businessId, name: 'Our shop', timeZone: 'UTC', locale: 'en' } as BusinessSettings);
  return { count, dbName, store, business, generateSeconds: generated.seconds, analyseSeconds, close: () => conn.close() };
}

/** Themes and drops over four weeks the way they were read before: the weeks' surveys and people into Node. */
async function formerInsights(store: Store, fromWeek: string, toWeek: string) {
  const drops = await dropsReport(store, businessId, { fromWeek, toWeek });
  const commented = await store.surveys.scored(businessId, { fromWeek, toWeek }, { commented: true });
  const themes = commentThemes(commented.map((s) => ({ id: s.id, band: s.band, comment: s.comment ?? '', locale: s.locale, period: fromWeek })));
  return { features: drops.features, themes };
}

const trimIds = (themes: ReturnType<typeof commentThemes>) => themes.map((p) => ({ ...p, themes: p.themes.map((t) => ({ ...t, commentIds: t.commentIds.slice(0, keptCommentIds) })) }));

/** An owner's session on the set's database, signed in by the product's own magic-link code. */
async function ownerCookie(store: Store): Promise<string> {
  const access = new DashboardAccess(store, publicUrl, () => new Date());
  const link = await access.link(businessId, 'bench-owner');
  const signed = await access.signIn(link.split('/').at(-1)!);
  if (!signed) throw new Error('dashboard sign-in failed');
  return `dashboard_session=${signed.sessionId}`;
}

export async function benchReads(database: { uri: string; engine: string }, counts: readonly number[], runs: number, fakes: Fakes, log: (line: string) => void): Promise<ReadFigures> {
  const now = new Date();
  const week = weekKey(now, 'UTC');
  const fromWeek = shiftWeek(week, -3);
  const sets: Record<string, ReadSet> = {};
  for (const count of counts) sets[String(count)] = await prepare(database.uri, count, now, log);
  try {
    const digest = await alternate(runs, (d: ReadSet) => buildDigest(d.store, businessId, week), sets);
    const insights = await alternate(runs, async (d: ReadSet) => {
      const analyses = await weekAnalyses(d.store, businessId, [0, 1, 2, 3].map((i) => shiftWeek(fromWeek, i)));
      return { features: weeksDropFeatures(analyses), themes: weeksThemes(analyses, fromWeek) };
    }, sets);
    const dashboard = await alternate(runs, (d: ReadSet) => dashboardView(d.store, d.business, 'nps', 30, now), sets);
    const from = new Date(now.getTime() - 30 * 86_400_000);
    const to = new Date(now.getTime() + 1);
    const segments = await alternate(runs, (d: ReadSet) => segmentsFor(d.store, businessId, { from, to, kind: 'nps', limit: 1 }), sets);
    const waiting = await alternate(runs, (d: ReadSet) => d.store.surveys.waitingForReply(businessId, 'nps', { from: weekKey(new Date(now.getTime() - 29 * 86_400_000), 'UTC'), to: week }, 20), sets);
    const themes = await alternate(runs, async (d: ReadSet) => weeksThemes(await weekAnalyses(d.store, businessId, [0, 1, 2, 3].map((i) => shiftWeek(fromWeek, i))), fromWeek), sets);
    const drops = await alternate(runs, async (d: ReadSet) => weeksDropFeatures(await weekAnalyses(d.store, businessId, [0, 1, 2, 3].map((i) => shiftWeek(fromWeek, i)))), sets);
    const sizes: ReadSize[] = [];
    for (const [key, d] of Object.entries(sets)) {
      // The former reads: once each (scans of the period; seconds at the larger sizes).
      const former = await clock(() => formerInsights(d.store, fromWeek, week));
      const formerThemes = await clock(() => formerInsights(d.store, fromWeek, week).then((r) => r.themes));
      const formerDrops = await clock(() => dropsReport(d.store, businessId, { fromWeek, toWeek: week }));
      const formerDashboard = await clock(async () => {
        await themesReport(d.store, businessId, { from, to, period: 'month', kind: 'nps', limit: 5 });
        await dropsReport(d.store, businessId, { from, to, kind: 'nps', now });
      });
      // The page as an owner opens it: the production server on this set's database, signed in.
      const server = await startProduct(fakes, withDbName(database.uri, d.dbName), 'production');
      const http: number[] = [];
      try {
        const cookie = await ownerCookie(d.store);
        for (let i = 0; i <= runs; i++) {
          const { ms, result } = await clock(() => httpRequest('GET', `${server.url}/dashboard?kind=nps&days=30`, { headers: { cookie }, timeoutMs: 300_000 }));
          if (!is2xx(result)) throw new Error(`/dashboard: ${JSON.stringify(result).slice(0, 200)}`);
          if (i > 0) http.push(ms);
        }
      } finally {
        await server.stop();
      }
      const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
      sizes.push({
        surveys: d.count,
        generateSeconds: d.generateSeconds,
        analyseSeconds: d.analyseSeconds,
        digestMs: digest.ms[key]!,
        digestInsightsMs: insights.ms[key]!,
        digestInsightsBaselineMs: former.ms,
        dashboardHttpMs: median(http),
        dashboardMs: dashboard.ms[key]!,
        dashboardSegmentsMs: segments.ms[key]!,
        dashboardWaitingMs: waiting.ms[key]!,
        dashboardBaselineMs: formerDashboard.ms,
        themesMs: themes.ms[key]!,
        themesBaselineMs: formerThemes.ms,
        dropsMs: drops.ms[key]!,
        dropsBaselineMs: formerDrops.ms,
        equal: { themes: same(trimIds(themes.result[key]!), trimIds(former.result.themes)), drops: same(drops.result[key], formerDrops.result.features) },
      });
      log(`reads: ${d.count} surveys timed`);
    }
    const [small, large] = [sizes[0]!, sizes.at(-1)!];
    const ratio = (k: keyof ReadSize) => (large[k] as number) / (small[k] as number);
    return {
      database: database.engine,
      sizes,
      growth: { digest: ratio('digestMs'), digestInsights: ratio('digestInsightsMs'), dashboardHttp: ratio('dashboardHttpMs'), dashboard: ratio('dashboardMs'), themes: ratio('themesMs'), drops: ratio('dropsMs') },
    };
  } finally {
    for (const d of Object.values(sets)) await d.close();
  }
}

/** Figure 9 as a table: each read beside its former read, per size, and the growth over the smallest set. */
export function readsMarkdown(r: ReadFigures): string {
  const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  const lines = [
    `Figure 9 on ${r.database}: ms per read (median), the former read beside it.`,
    '',
    `| Stored surveys | Digest (insight lines; former) | Dashboard page over HTTP (in process; segments, waiting list; former themes + drops) | Themes (former) | Drops (former) | Equal | Weeks analysed once |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const s of r.sizes) {
    lines.push(
      `| ${s.surveys.toLocaleString('en')} | ${ms(s.digestMs)} (${ms(s.digestInsightsMs)}; ${ms(s.digestInsightsBaselineMs)}) | ${ms(s.dashboardHttpMs)} (${ms(s.dashboardMs)}; ${ms(s.dashboardSegmentsMs)}, ${ms(s.dashboardWaitingMs)}; ${ms(s.dashboardBaselineMs)}) | ${ms(s.themesMs)} (${ms(s.themesBaselineMs)}) | ${ms(s.dropsMs)} (${ms(s.dropsBaselineMs)}) | themes ${s.equal.themes}, drops ${s.equal.drops} | ${s.analyseSeconds.toFixed(1)} s |`,
    );
  }
  const g = r.growth;
  lines.push('', `Growth, largest set over the smallest: digest ${g.digest.toFixed(1)}×, its insight lines ${g.digestInsights.toFixed(1)}×, dashboard page ${g.dashboardHttp.toFixed(1)}× (in process ${g.dashboard.toFixed(1)}×), themes ${g.themes.toFixed(1)}×, drops ${g.drops.toFixed(1)}×.`);
  return lines.join('\n');
}
