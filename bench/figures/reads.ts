/**
 * Figure 9: what an owner opens — the digest, the dashboard page (signed in, over HTTP), themes and
 * drops — over 1,000 / 100,000 / 1,000,000 stored surveys (the sizes asked for), each beside its
 * baseline in the same run: the same analysis read the way it was before week analyses were kept
 * (the period's surveys and their people's history into Node), which must give the same numbers.
 * The data is figure 3's (12 weeks, three kinds, 20 tags). Week analyses are computed once per set
 * first with their notes (what the sweeper does when weeks close), and that time is reported too.
 * The counter reads (`/stats`, the digest's numbers, metrics by tag) are timed on the same sets.
 */
import mongoose from 'mongoose';
import { BSON, type Db } from 'mongodb';
import { DashboardAccess } from '../../src/dashboard/access.js';
import { dashboardView } from '../../src/dashboard/dashboard-data.js';
import { buildDigest } from '../../src/digest/build-digest.js';
import { precedingFeatures } from '../../src/insights/drops.js';
import { periodPairs } from '../../src/insights/period-pairs.js';
import { dropsQuery, dropsReport } from '../../src/insights/drops-report.js';
import { commentThemes } from '../../src/insights/themes.js';
import { keptCommentIds, refreshWeekAnalysis, weekAnalyses, weeksDropFeatures, weeksSegments, weeksThemes } from '../../src/insights/week-analysis.js';
import { refreshWeekNotes, weekNotes, weeksWaiting } from '../../src/insights/week-notes.js';
import { metricsByCohort } from '../../src/insights/cohorts.js';
import { periodStats } from '../../src/digest/stats.js';
import { createStore, type BusinessSettings, type Store } from '../../src/store/index.js';
import { readRollups } from '../../src/store/rollup-counts.js';
import { defaultLiveAnswers } from '../../src/store/week-analyses.js';
import { surveyKinds } from '../../src/domain/surveys.js';
import { shiftWeek, weekKey } from '../../src/domain/calendar.js';
import { httpRequest, is2xx } from '../../test/faults/http.js';
import { inboundSmsParams, twilioWebhookHeaders } from '../../test/helpers/fake-twilio.js';
import { sleep, threadsCpuMs, type NodeChild } from '../lib/processes.js';
import { accountSid, apiKey, authToken, botNumber, buildProduct, publicUrl, startProductCompiled, withDbName, type Fakes } from '../lib/product.js';
import { businessId, generateSurveys } from '../lib/survey-data.js';
import { alternate, clock, median } from './digest.js';

interface ReadSet {
  count: number;
  dbName: string;
  store: Store;
  business: BusinessSettings;
  generateSeconds: number;
  analyseSeconds: number;
  keptBytes: { analysis: number; notes: number };
  db: Db;
  close(): Promise<void>;
}

export interface ReadSize {
  surveys: number;
  generateSeconds: number;
  /** Computing the 12 weeks' analyses and notes once (the sweeper's work when weeks close). */
  analyseSeconds: number;
  /** Bytes per kept week (median of the 12), of its analysis and of its notes: what a report reads per week. */
  keptBytes: { analysis: number; notes: number };
  /** The whole digest (`buildDigest`), and its insight lines' drops and themes alone, beside those read the former way. */
  digestMs: number;
  digestInsightsMs: number;
  digestInsightsBaselineMs: number | null;
  /** GET /dashboard?kind=nps&days=30 with an owner's session cookie, from the production server. */
  dashboardHttpMs: number;
  /** GET /api/v1/insights/themes over the four weeks, week by week, NPS, with an API key, from the production server. */
  themesApiHttpMs: number;
  /**
   * GET /api/v1/insights/drops over the same four weeks, NPS, its first page (200 answers), from the
   * production server over HTTP; and the same report in process, the CPU it takes (of 5 calls, each
   * alone: the database's time is not in it, the driver's and the report's are).
   */
  dropsApiHttpMs: number;
  dropsApiCpuMs: number;
  /**
   * The same report's CPU in process for a page of `fullDropsPage` answers (30 calls): a page full
   * in every set, where the first page of 200 holds fewer answers than that in the smallest sets.
   */
  dropsFullPageCpuMs: number;
  /**
   * The production server's CPU per request (its threads' run time from /proc, in nanoseconds; the
   * median of blocks of requests that take turns with the other sets' servers, see `serverReads`): the
   * dashboard page, the themes API and the drops API's first page. A process that serves only these,
   * unlike the bench's own, whose heap holds what it generated: the compiled build, started as
   * `npm run start:prod` starts it.
   */
  dashboardServerCpuMs: number;
  themesServerCpuMs: number;
  dropsServerCpuMs: number;
  /** The same for a drops page of `fullDropsPage` answers (`limit`), full in every set. */
  dropsFullPageServerCpuMs: number;
  /**
   * The whole digest as an owner asks for it in chat: `/digest` by SMS (a webhook signed as Twilio
   * signs it, the digest in its TwiML answer), over HTTP (median), and the server's CPU per request.
   */
  digestChatHttpMs: number;
  digestChatServerCpuMs: number;
  /** The same server's CPU per second with nothing to do (over 10 s): what a request that waits collects beside its own work. */
  serverIdleCpuMsPerSecond: number;
  /**
   * The server's CPU per request as above, less its idle CPU over each block's wall time (the idle
   * rate times the block's time, taken off the block's CPU): the request's own work, without the
   * timers and pool checks that run while it waits on the database. Absent in runs before it was taken.
   */
  serverCpuNetOfIdleMs?: ServerReadsMs;
  /** The production server's CPU for the dashboard page right after the open week's counters move (mean of 5). */
  dashboardAfterChangeServerCpuMs: number;
  /** The dashboard's data in process, and two of its parts that read surveys before: the segments line and the waiting list (now from the kept weeks). */
  dashboardMs: number;
  dashboardSegmentsMs: number;
  dashboardWaitingMs: number;
  /** The dashboard's themes and drops read the former way (answer-time period, the surveys into Node); null where not run (over 100,000 surveys: minutes each). */
  dashboardBaselineMs: number | null;
  /**
   * The dashboard's data in process right after the open week's counters changed (one more NPS
   * invitation counted, as a new survey counts it), its last analysis and notes a moment old, as the
   * sweeper keeps a large week's: a week over `liveAnswers` answers is served those, a smaller one
   * computed again on that read. Median of 3, and its CPU (the driver's and the product's, in process).
   */
  dashboardAfterChangeMs: number;
  dashboardAfterChangeCpuMs: number;
  /** The open week's answers, and the time the sweeper's computation of its analysis takes (what a read after a change waited for before). */
  openWeekAnswers: number;
  openWeekAnalysisMs: number;
  openWeekAnalysisCpuMs: number;
  /** Themes and drops over the digest's four weeks, from the kept analyses, beside the full read (null where not run). */
  themesMs: number;
  themesBaselineMs: number | null;
  dropsMs: number;
  dropsBaselineMs: number | null;
  /** The counter reads: `/stats` over 90 days, the digest's numbers (two weeks of counters), metrics by tag over 12 weeks. */
  statsMs: number;
  digestNumbersMs: number;
  cohortMetricsMs: number;
  /** Kept and former reads give the same numbers (null where the former read was not run). */
  equal: { themes: boolean | null; drops: boolean | null };
}

/** One figure per read the production server answers. */
export interface ServerReadsMs {
  dashboard: number;
  themes: number;
  drops: number;
  dropsFullPage: number;
  digest: number;
}

export interface ReadGrowth {
  digest: number;
  digestInsights: number;
  dashboardHttp: number;
  dashboard: number;
  themes: number;
  themesApiHttp: number;
  dropsApiHttp: number;
  dropsApiCpu: number;
  dropsFullPageCpu: number;
  dashboardServerCpu: number;
  themesServerCpu: number;
  dropsServerCpu: number;
  dropsFullPageServerCpu: number;
  digestChatServerCpu: number;
  dashboardAfterChangeServerCpu: number;
  /** The server's CPU per request net of its idle CPU (absent where a set lacks it). */
  serverCpuNetOfIdle?: ServerReadsMs;
  drops: number;
  stats: number;
  digestNumbers: number;
  cohortMetrics: number;
}

export interface ReadFigures {
  database: string;
  /** Blocks per server CPU measure (absent in runs from before they were taken in blocks). */
  blocks?: number;
  sizes: ReadSize[];
  /** Largest set over the smallest. */
  growth: ReadGrowth;
  /** Largest set over the next largest, with three sizes or more (the kept weeks full at both). */
  growthOverNext?: ReadGrowth;
}

async function prepare(uri: string, count: number, now: Date, log: (line: string) => void): Promise<ReadSet> {
  const dbName = `bench_reads_${count}`;
  const conn = await mongoose.createConnection(withDbName(uri, dbName), { serverSelectionTimeoutMS: 10_000 }).asPromise();
  const store = await createStore(conn, () => now);
  const generated = await generateSurveys(conn.db! as unknown as Db, count, now);
  const t = performance.now();
  await weekAnalyses(store, businessId, generated.weeks);
  await weekNotes(store, businessId, generated.weeks);
  const analyseSeconds = (performance.now() - t) / 1000;
  const keptBytes = await keptWeekBytes(conn.db! as unknown as Db);
  log(`reads: ${count} surveys stored in ${generated.seconds.toFixed(1)} s, 12 weeks analysed in ${analyseSeconds.toFixed(1)} s; a kept week: analysis ${keptBytes.analysis} B, notes ${keptBytes.notes} B`);
  const business = (await store.businesses.get(businessId)) ?? ({ id: businessId, name: 'Our shop', timeZone: 'UTC', locale: 'en' } as BusinessSettings);
  return { count, dbName, store, business, generateSeconds: generated.seconds, analyseSeconds, keptBytes, db: conn.db! as unknown as Db, close: () => conn.close() };
}

/** The median bytes of a kept week's analysis and notes (BSON). */
async function keptWeekBytes(db: Db): Promise<{ analysis: number; notes: number }> {
  const docs = await db.collection('week_analyses').find({ businessId }).toArray();
  const medianOf = (part: string) => median(docs.map((d) => BSON.calculateObjectSize({ v: d[part] ?? null })));
  return { analysis: medianOf('analysis'), notes: medianOf('notes') };
}

/** The drop features the way they were read before: the weeks' pairs from their surveys. */
const formerFeatures = async (store: Store, q: Parameters<typeof periodPairs>[2]) => precedingFeatures((await periodPairs(store, businessId, q)).pairs);

/** Themes and drops over four weeks the way they were read before: the weeks' surveys and people into Node. */
async function formerInsights(store: Store, fromWeek: string, toWeek: string) {
  const drops = { features: await formerFeatures(store, { fromWeek, toWeek }) };
  const commented = await store.surveys.scored(businessId, { fromWeek, toWeek }, { commented: true });
  const themes = commentThemes(commented.map((s) => ({ id: s.id, band: s.band, comment: s.comment ?? '', locale: s.locale, period: fromWeek })));
  return { features: drops.features, themes };
}

const trimIds = (themes: ReturnType<typeof commentThemes>) => themes.map((p) => ({ ...p, themes: p.themes.map((t) => ({ ...t, commentIds: t.commentIds.slice(0, keptCommentIds) })) }));

/** An owner's session on the set's database, signed in by the product's own magic-link code. */
async function ownerCookie(store: Store): Promise<string> {
  const access = new DashboardAccess(store, publicUrl, () => new Date());
  const link = await access.link(businessId, 'bench-owner');
  const signed = await access.signIn(new URL(link).pathname.split('/').at(-1)!);
  if (!signed) throw new Error('dashboard sign-in failed');
  return `dashboard_session=${signed.sessionId}`;
}

/** GET `url` from the server under measure; anything but a 2xx ends the figure. */
async function getOk(url: string, headers: Record<string, string>): Promise<void> {
  const res = await httpRequest('GET', url, { headers, timeoutMs: 300_000 });
  if (!is2xx(res)) throw new Error(`${url}: ${JSON.stringify(res).slice(0, 200)}`);
}

/**
 * Makes an owner through the server's API, and returns what asks for the whole digest as that owner
 * does in chat: `/digest` by SMS, signed as Twilio signs its webhooks, the digest in the TwiML answer.
 */
async function digestInChat(serverUrl: string): Promise<() => Promise<void>> {
  const owner = '+14165550177';
  const added = await httpRequest('POST', `${serverUrl}/api/v1/staff`, { headers: { 'content-type': 'application/json', 'x-api-key': apiKey }, body: JSON.stringify({ channel: 'sms', address: owner, role: 'owner' }) });
  if (!is2xx(added)) throw new Error(`adding the owner: ${JSON.stringify(added).slice(0, 200)}`);
  const path = '/webhooks/twilio/sms';
  return async () => {
    const params = inboundSmsParams(accountSid, { from: owner, to: botNumber, body: '/digest' });
    const res = await httpRequest('POST', `${serverUrl}${path}`, { headers: twilioWebhookHeaders(authToken, `${publicUrl}${path}`, params), body: new URLSearchParams(params).toString(), timeoutMs: 300_000 });
    if (!is2xx(res) || !/<Message>[^<]*NPS/.test(res.body)) throw new Error(`/digest by SMS: ${JSON.stringify(res).slice(0, 300)}`);
  };
}

/** What figure 9 measures through each set's production server. */
type ServedReads = Pick<
  ReadSize,
  | 'dashboardHttpMs'
  | 'themesApiHttpMs'
  | 'dropsApiHttpMs'
  | 'dashboardServerCpuMs'
  | 'themesServerCpuMs'
  | 'dropsServerCpuMs'
  | 'dropsFullPageServerCpuMs'
  | 'digestChatHttpMs'
  | 'digestChatServerCpuMs'
  | 'serverIdleCpuMsPerSecond'
  | 'serverCpuNetOfIdleMs'
  | 'dashboardAfterChangeServerCpuMs'
>;

/** Requests a block of a server CPU measure makes. */
const requestsPerBlock = 5;

/**
 * Each set's production server (the compiled build, as `npm run start:prod` starts it; no sweeper:
 * its passes, every 30 s by default, would land in the server's CPU per request), started together.
 * Each read's wall time over HTTP (median of `runs`), and the server's CPU per request (its threads'
 * run time from /proc): `runs` blocks of `requestsPerBlock` requests, the sets taking turns block
 * by block (the first set first in one block, last in the next), the median of the blocks' means.
 */
async function serverReads(sets: Record<string, ReadSet>, uri: string, fakes: Fakes, runs: number, weeks: { fromWeek: string; week: string }): Promise<Record<string, ServedReads>> {
  const { fromWeek, week } = weeks;
  const apiHeaders = { 'x-api-key': apiKey };
  type Read = 'dashboard' | 'themes' | 'drops' | 'dropsFullPage' | 'digest';
  const servers: Record<string, { server: NodeChild; reads: Record<Read, () => Promise<void>> }> = {};
  try {
    for (const [key, d] of Object.entries(sets)) {
      const server = await startProductCompiled(fakes, withDbName(uri, d.dbName), 'production', { SWEEP_INTERVAL: '0' });
      const cookie = await ownerCookie(d.store);
      // The API's themes over the four weeks, as another system asks for them, and its drops report's first page.
      const drops = `${server.url}/api/v1/insights/drops?from=${fromWeek}&to=${shiftWeek(week, 1)}&kind=nps`;
      servers[key] = {
        server,
        reads: {
          dashboard: () => getOk(`${server.url}/dashboard?kind=nps&days=30`, { cookie }),
          themes: () => getOk(`${server.url}/api/v1/insights/themes?from=${fromWeek}&to=${shiftWeek(week, 1)}&period=week&kind=nps`, apiHeaders),
          drops: () => getOk(drops, apiHeaders),
          dropsFullPage: () => getOk(`${drops}&limit=${fullDropsPage}`, apiHeaders),
          // The digest as an owner asks for it in chat: an owner added through the API, then `/digest` by SMS.
          digest: await digestInChat(server.url),
        },
      };
    }
    const keys = Object.keys(servers);
    const turns = (block: number) => (block % 2 ? [...keys].reverse() : keys);
    const wall = async (read: Read) => {
      const times: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
      for (const k of keys) await servers[k]!.reads[read]();
      for (let i = 0; i < runs; i++) for (const k of turns(i)) times[k]!.push((await clock(servers[k]!.reads[read])).ms);
      return (k: string) => median(times[k]!);
    };
    // Per block: the server's CPU per request, and the same less its idle CPU over the block's wall time.
    const cpu = async (read: Read) => {
      const blocks: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
      const net: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
      for (let b = 0; b < runs; b++) {
        for (const k of turns(b)) {
          const { server, reads } = servers[k]!;
          const before = threadsCpuMs(server.pid);
          const from = performance.now();
          for (let i = 0; i < requestsPerBlock; i++) await reads[read]();
          const spent = threadsCpuMs(server.pid) - before;
          blocks[k]!.push(spent / requestsPerBlock);
          net[k]!.push((spent - (idle[k]! * (performance.now() - from)) / 1000) / requestsPerBlock);
        }
      }
      return Object.assign((k: string) => median(blocks[k]!), { netOfIdle: (k: string) => median(net[k]!) });
    };
    const dashboardHttp = await wall('dashboard');
    const themesHttp = await wall('themes');
    const dropsHttp = await wall('drops');
    const digestHttp = await wall('digest');
    // With nothing to do: every server over the same 10 s.
    const idleFrom = Object.fromEntries(keys.map((k) => [k, threadsCpuMs(servers[k]!.server.pid)]));
    await sleep(10_000);
    const idle = Object.fromEntries(keys.map((k) => [k, (threadsCpuMs(servers[k]!.server.pid) - idleFrom[k]!) / 10]));
    const dashboardCpu = await cpu('dashboard');
    const themesCpu = await cpu('themes');
    const dropsCpu = await cpu('drops');
    const dropsFullPageCpu = await cpu('dropsFullPage');
    const digestCpu = await cpu('digest');
    // The open week's analysis and notes a moment old, as the sweeper keeps a large week's (every 2 minutes while it changes).
    for (const d of Object.values(sets)) {
      const counts = await readRollups(d.store, businessId, { from: week, to: week }, { allCohortOnly: true });
      await refreshWeekAnalysis(d.store, businessId, week, counts);
      await refreshWeekNotes(d.store, businessId, week, counts);
    }
    // The dashboard page right after the open week's counters move, five times per set, in turns: the server's CPU for each.
    const afterChange: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
    for (let i = 0; i < 5; i++) {
      for (const k of turns(i)) {
        await sets[k]!.db.collection('week_counts').updateOne({ _id: [businessId, 'nps', week, 'all'].join('|') } as never, { $inc: { sent: 1 } });
        const before = threadsCpuMs(servers[k]!.server.pid);
        await servers[k]!.reads.dashboard();
        afterChange[k]!.push(threadsCpuMs(servers[k]!.server.pid) - before);
      }
    }
    return Object.fromEntries(
      keys.map((k) => [
        k,
        {
          dashboardHttpMs: dashboardHttp(k),
          themesApiHttpMs: themesHttp(k),
          dropsApiHttpMs: dropsHttp(k),
          dashboardServerCpuMs: dashboardCpu(k),
          themesServerCpuMs: themesCpu(k),
          dropsServerCpuMs: dropsCpu(k),
          dropsFullPageServerCpuMs: dropsFullPageCpu(k),
          digestChatHttpMs: digestHttp(k),
          digestChatServerCpuMs: digestCpu(k),
          serverIdleCpuMsPerSecond: idle[k]!,
          serverCpuNetOfIdleMs: { dashboard: dashboardCpu.netOfIdle(k), themes: themesCpu.netOfIdle(k), drops: dropsCpu.netOfIdle(k), dropsFullPage: dropsFullPageCpu.netOfIdle(k), digest: digestCpu.netOfIdle(k) },
          dashboardAfterChangeServerCpuMs: median(afterChange[k]!),
        },
      ]),
    );
  } finally {
    for (const { server } of Object.values(servers)) await server.stop();
  }
}

/** A drops page that every set fills (the smallest's four weeks hold some 60 NPS answers). */
const fullDropsPage = 50;

/** The former reads take seconds at 100,000 surveys and minutes above: only sets up to this size run them. */
const maxFormerSize = 100_000;

export async function benchReads(database: { uri: string; engine: string }, counts: readonly number[], runs: number, fakes: Fakes, log: (line: string) => void): Promise<ReadFigures> {
  const now = new Date();
  const week = weekKey(now, 'UTC');
  const fromWeek = shiftWeek(week, -3);
  // The production server of the figure is the compiled build, made from this checkout first.
  log(`reads: the compiled build of this checkout (${(await buildProduct()).toFixed(1)} s to build, once per run)`);
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
    const dashboardWeeks: string[] = [];
    for (let w = weekKey(new Date(now.getTime() - 29 * 86_400_000), 'UTC'); w <= week; w = shiftWeek(w, 1)) dashboardWeeks.push(w);
    const segments = await alternate(runs, async (d: ReadSet) => weeksSegments(await weekAnalyses(d.store, businessId, dashboardWeeks), 'nps'), sets);
    const waiting = await alternate(runs, async (d: ReadSet) => weeksWaiting(await weekNotes(d.store, businessId, dashboardWeeks), 'nps'), sets);
    // The counter reads (figure 3's), on these sets too: the counters are derived from the surveys.
    const stats = await alternate(runs, (d: ReadSet) => periodStats(d.store, d.business, now, 90), sets);
    const numbers = await alternate(runs, (d: ReadSet) => d.store.rollups.read(businessId, { from: shiftWeek(week, -1), to: week }), sets);
    const cohortQuery = { kind: 'nps' as const, by: 'tag' as const, from: shiftWeek(week, -11), to: week };
    const cohortMetrics = await alternate(runs, (d: ReadSet) => metricsByCohort(d.store, businessId, cohortQuery), sets);
    const themes = await alternate(runs, async (d: ReadSet) => weeksThemes(await weekAnalyses(d.store, businessId, [0, 1, 2, 3].map((i) => shiftWeek(fromWeek, i))), fromWeek), sets);
    const drops = await alternate(runs, async (d: ReadSet) => weeksDropFeatures(await weekAnalyses(d.store, businessId, [0, 1, 2, 3].map((i) => shiftWeek(fromWeek, i)))), sets);
    // The reads as owners and other systems make them: the production server of each set, all
    // running at once, each measure taken in blocks that alternate between the sets (as the in-process
    // reads above), so that what the machine does meanwhile falls on every set alike.
    const served = await serverReads(sets, database.uri, fakes, runs, { fromWeek, week });
    const sizes: ReadSize[] = [];
    for (const [key, d] of Object.entries(sets)) {
      // The former reads: once each (scans of the period; seconds at 100,000, minutes each above, so not run there).
      const formerRun = d.count <= maxFormerSize;
      const former = formerRun ? await clock(() => formerInsights(d.store, fromWeek, week)) : undefined;
      const formerThemes = formerRun ? await clock(() => formerInsights(d.store, fromWeek, week).then((r) => r.themes)) : undefined;
      const formerDrops = formerRun ? await clock(async () => ({ features: await formerFeatures(d.store, { fromWeek, toWeek: week }) })) : undefined;
      const formerDashboard = formerRun
        ? await clock(async () => {
            const commented = await d.store.surveys.scored(businessId, { from, to }, { kind: 'nps', commented: true });
            commentThemes(commented.map((s) => ({ id: s.id, band: s.band, comment: s.comment ?? '', locale: s.locale, period: s.week.slice(0, 7) })), { limit: 5 });
            await formerFeatures(d.store, { fromWeek: dashboardWeeks[0]!, toWeek: week, kind: 'nps' });
          })
        : undefined;
      // The open week's analysis as the sweeper computes it (a large week's, every few minutes while it changes).
      const analysisCpu = process.cpuUsage();
      const openWeekAnalysis = await clock(() => refreshWeekAnalysis(d.store, businessId, week));
      const analysisCpuUsed = process.cpuUsage(analysisCpu);
      const openWeekCounts = await readRollups(d.store, businessId, { from: week, to: week }, { allCohortOnly: true });
      // Its notes too (the same pass of the sweeper, not timed: indexed, limited queries).
      await refreshWeekNotes(d.store, businessId, week, openWeekCounts);
      const openWeekAnswers = surveyKinds.reduce((sum, kind) => sum + openWeekCounts.get(kind, week).scored, 0);
      // The open week's first read after a change: its counters move, so its kept analysis and notes are out of date.
      const afterChange: number[] = [];
      const afterChangeCpu: number[] = [];
      for (let i = 0; i < 3; i++) {
        const moved = await d.db.collection('week_counts').updateOne({ _id: [businessId, 'nps', week, 'all'].join('|') } as never, { $inc: { sent: 1 } });
        if (moved.matchedCount !== 1) throw new Error('the open week has no NPS counter to move');
        const cpuAt = process.cpuUsage();
        afterChange.push((await clock(() => dashboardView(d.store, d.business, 'nps', 30, now))).ms);
        const used = process.cpuUsage(cpuAt);
        afterChangeCpu.push((used.user + used.system) / 1000);
      }
      // The same page in process: the CPU it takes, before the server starts (none of its background work in it).
      const dropsPageCpu = async (calls: number, limit?: number) => {
        const page = dropsQuery.parse({ from: fromWeek, to: shiftWeek(week, 1), kind: 'nps', ...(limit ? { limit } : {}) });
        await dropsReport(d.store, businessId, page, now);
        const cpuBefore = process.cpuUsage();
        for (let i = 0; i < calls; i++) await dropsReport(d.store, businessId, page, now);
        const cpu = process.cpuUsage(cpuBefore);
        return (cpu.user + cpu.system) / 1000 / calls;
      };
      const dropsApiCpuMs = await dropsPageCpu(5);
      const dropsFullPageCpuMs = await dropsPageCpu(30, fullDropsPage);

      const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
      sizes.push({
        surveys: d.count,
        generateSeconds: d.generateSeconds,
        analyseSeconds: d.analyseSeconds,
        keptBytes: d.keptBytes,
        digestMs: digest.ms[key]!,
        digestInsightsMs: insights.ms[key]!,
        digestInsightsBaselineMs: former?.ms ?? null,
        dropsApiCpuMs,
        dropsFullPageCpuMs,
        ...served[key]!,
        dashboardMs: dashboard.ms[key]!,
        dashboardSegmentsMs: segments.ms[key]!,
        dashboardWaitingMs: waiting.ms[key]!,
        dashboardBaselineMs: formerDashboard?.ms ?? null,
        dashboardAfterChangeMs: median(afterChange),
        dashboardAfterChangeCpuMs: median(afterChangeCpu),
        openWeekAnswers,
        openWeekAnalysisMs: openWeekAnalysis.ms,
        openWeekAnalysisCpuMs: (analysisCpuUsed.user + analysisCpuUsed.system) / 1000,
        themesMs: themes.ms[key]!,
        themesBaselineMs: formerThemes?.ms ?? null,
        dropsMs: drops.ms[key]!,
        dropsBaselineMs: formerDrops?.ms ?? null,
        statsMs: stats.ms[key]!,
        digestNumbersMs: numbers.ms[key]!,
        cohortMetricsMs: cohortMetrics.ms[key]!,
        equal: {
          themes: former ? same(trimIds(themes.result[key]!), trimIds(former.result.themes)) : null,
          drops: formerDrops ? same(drops.result[key], formerDrops.result.features) : null,
        },
      });
      log(`reads: ${d.count} surveys timed`);
    }
    const perRead = (f: (read: keyof ServerReadsMs) => number): ServerReadsMs => ({ dashboard: f('dashboard'), themes: f('themes'), drops: f('drops'), dropsFullPage: f('dropsFullPage'), digest: f('digest') });
    const growthOf = (small: ReadSize, large: ReadSize): ReadGrowth => {
      const ratio = (k: keyof ReadSize) => (large[k] as number) / (small[k] as number);
      return {
        digest: ratio('digestMs'),
        digestInsights: ratio('digestInsightsMs'),
        dashboardHttp: ratio('dashboardHttpMs'),
        dashboard: ratio('dashboardMs'),
        themes: ratio('themesMs'),
        themesApiHttp: ratio('themesApiHttpMs'),
        dropsApiHttp: ratio('dropsApiHttpMs'),
        dropsApiCpu: ratio('dropsApiCpuMs'),
        dropsFullPageCpu: ratio('dropsFullPageCpuMs'),
        dashboardServerCpu: ratio('dashboardServerCpuMs'),
        themesServerCpu: ratio('themesServerCpuMs'),
        dropsServerCpu: ratio('dropsServerCpuMs'),
        dropsFullPageServerCpu: ratio('dropsFullPageServerCpuMs'),
        digestChatServerCpu: ratio('digestChatServerCpuMs'),
        dashboardAfterChangeServerCpu: ratio('dashboardAfterChangeServerCpuMs'),
        ...(small.serverCpuNetOfIdleMs && large.serverCpuNetOfIdleMs ? { serverCpuNetOfIdle: perRead((r) => large.serverCpuNetOfIdleMs![r] / small.serverCpuNetOfIdleMs![r]) } : {}),
        drops: ratio('dropsMs'),
        stats: ratio('statsMs'),
        digestNumbers: ratio('digestNumbersMs'),
        cohortMetrics: ratio('cohortMetricsMs'),
      };
    };
    return {
      database: database.engine,
      blocks: runs,
      sizes,
      growth: growthOf(sizes[0]!, sizes.at(-1)!),
      ...(sizes.length >= 3 ? { growthOverNext: growthOf(sizes.at(-2)!, sizes.at(-1)!) } : {}),
    };
  } finally {
    for (const d of Object.values(sets)) await d.close();
  }
}

/** Figure 9 as a table: each read beside its former read, per size, and the growth over the smallest set. */
export function readsMarkdown(r: ReadFigures): string {
  const ms = (x: number | null) => (x === null ? 'not run' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
  const lines = [
    `Figure 9 on ${r.database}: ms per read (median), the former read beside it where run.`,
    '',
    `| Stored surveys | Digest (insight lines; former) | Dashboard page over HTTP (in process; segments, waiting list; former themes + drops) | Themes (API over HTTP; former) | Drops (former; the API's first page over HTTP, its CPU in process, a full page's CPU) | /stats, digest numbers, metrics by tag | Equal | Weeks analysed once |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const s of r.sizes) {
    lines.push(
      `| ${s.surveys.toLocaleString('en')} | ${ms(s.digestMs)} (${ms(s.digestInsightsMs)}; ${ms(s.digestInsightsBaselineMs)}) | ${ms(s.dashboardHttpMs)} (${ms(s.dashboardMs)}; ${ms(s.dashboardSegmentsMs)}, ${ms(s.dashboardWaitingMs)}; ${ms(s.dashboardBaselineMs)}) | ${ms(s.themesMs)} (${ms(s.themesApiHttpMs)}; ${ms(s.themesBaselineMs)}) | ${ms(s.dropsMs)} (${ms(s.dropsBaselineMs)}; ${ms(s.dropsApiHttpMs)}, ${ms(s.dropsApiCpuMs)}, a page of ${fullDropsPage} ${ms(s.dropsFullPageCpuMs)}) | ${ms(s.statsMs)}, ${ms(s.digestNumbersMs)}, ${ms(s.cohortMetricsMs)} | themes ${s.equal.themes ?? '-'}, drops ${s.equal.drops ?? '-'} | ${s.analyseSeconds.toFixed(1)} s |`,
    );
  }
  const said = (g: ReadGrowth) =>
    `digest ${g.digest.toFixed(1)}×, its insight lines ${g.digestInsights.toFixed(1)}×, dashboard page ${g.dashboardHttp.toFixed(1)}× (in process ${g.dashboard.toFixed(1)}×), themes ${g.themes.toFixed(1)}× (the API over HTTP ${g.themesApiHttp.toFixed(1)}×), drops ${g.drops.toFixed(1)}× (the API's page over HTTP ${g.dropsApiHttp.toFixed(1)}×, its CPU in process ${g.dropsApiCpu.toFixed(1)}×, for a page of ${fullDropsPage} ${g.dropsFullPageCpu.toFixed(1)}×), /stats ${g.stats.toFixed(1)}×, digest numbers ${g.digestNumbers.toFixed(1)}×, metrics by tag ${g.cohortMetrics.toFixed(1)}×.`;
  const serverGrowth = (g: ReadGrowth) =>
    `dashboard page ${g.dashboardServerCpu.toFixed(1)}×, themes API ${g.themesServerCpu.toFixed(1)}×, drops API page ${g.dropsServerCpu.toFixed(1)}× (a page of ${fullDropsPage} ${g.dropsFullPageServerCpu.toFixed(1)}×), /digest by SMS ${g.digestChatServerCpu.toFixed(1)}×, right after a change ${g.dashboardAfterChangeServerCpu.toFixed(1)}×`;
  const netOfIdle = (n: ServerReadsMs) => `dashboard page ${ms(n.dashboard)}, themes API ${ms(n.themes)}, drops API page ${ms(n.drops)} (a page of ${fullDropsPage} ${ms(n.dropsFullPage)}), /digest by SMS ${ms(n.digest)} ms`;
  const netGrowth = (g: ServerReadsMs) => `dashboard page ${g.dashboard.toFixed(1)}×, themes API ${g.themes.toFixed(1)}×, drops API page ${g.drops.toFixed(1)}× (a page of ${fullDropsPage} ${g.dropsFullPage.toFixed(1)}×), /digest by SMS ${g.digest.toFixed(1)}×`;
  lines.push('', `Growth, largest set over the smallest: ${said(r.growth)}`);
  if (r.growthOverNext) lines.push('', `Growth, largest set over the next largest: ${said(r.growthOverNext)}`);
  lines.push(
    '',
    `The production server's CPU per request (${r.blocks ? `compiled, as start:prod starts it; the median of ${r.blocks} blocks of ${requestsPerBlock} requests, the sets' servers taking turns` : '30 requests'}): ${r.sizes.map((s) => `${s.surveys.toLocaleString('en')}: dashboard page ${ms(s.dashboardServerCpuMs)}, themes API ${ms(s.themesServerCpuMs)}, drops API page ${ms(s.dropsServerCpuMs)} (over HTTP ${ms(s.dropsApiHttpMs)}; a page of ${fullDropsPage} ${ms(s.dropsFullPageServerCpuMs)}), /digest by SMS ${ms(s.digestChatServerCpuMs)} (over HTTP ${ms(s.digestChatHttpMs)}) ms, dashboard page right after the open week changed ${ms(s.dashboardAfterChangeServerCpuMs)} ms; idle ${ms(s.serverIdleCpuMsPerSecond)} ms a second`).join('; ')}. Growth, largest over smallest: ${serverGrowth(r.growth)}${r.growthOverNext ? `; over the next largest: ${serverGrowth(r.growthOverNext)}` : ''}.`,
    ...(r.sizes.every((s) => s.serverCpuNetOfIdleMs)
      ? [
          `The same, net of the server's idle CPU over each block's time (the request's own work, without the timers and pool checks that run while it waits): ${r.sizes.map((s) => `${s.surveys.toLocaleString('en')}: ${netOfIdle(s.serverCpuNetOfIdleMs!)}`).join('; ')}. Growth, largest over smallest: ${netGrowth(r.growth.serverCpuNetOfIdle!)}${r.growthOverNext?.serverCpuNetOfIdle ? `; over the next largest: ${netGrowth(r.growthOverNext.serverCpuNetOfIdle)}` : ''}.`,
        ]
      : []),
    `The dashboard's data in process right after the open week changed (its analysis and notes computed again when the week holds at most ${defaultLiveAnswers.toLocaleString('en')} answers, else the last ones served, a moment old): ${r.sizes.map((s) => `${s.surveys.toLocaleString('en')} (open week ${s.openWeekAnswers.toLocaleString('en')} answers): ${ms(s.dashboardAfterChangeMs)} ms, CPU ${ms(s.dashboardAfterChangeCpuMs)} ms`).join('; ')}.`,
    `The sweeper's computation of the open week's analysis: ${r.sizes.map((s) => `${s.surveys.toLocaleString('en')}: ${ms(s.openWeekAnalysisMs)} ms, CPU ${ms(s.openWeekAnalysisCpuMs)} ms`).join('; ')}.`,
  );
  lines.push('', `A kept week's bytes (analysis, notes): ${r.sizes.map((s) => `${s.surveys.toLocaleString('en')}: ${s.keptBytes.analysis}, ${s.keptBytes.notes}`).join('; ')}.`);
  return lines.join('\n');
}
