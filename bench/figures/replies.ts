/**
 * Figures 1, 2 and 6: what one reply costs (database round trips, Node CPU) and how many replies a
 * second the product answers end to end over HTTP, each beside the floor (the same database
 * commands replayed with the raw driver on the same database) and the HTTP ceiling (a bare Fastify
 * route), on one database.
 */
import type { Db } from 'mongodb';
import type { FloorPhase } from '../floor.js';
import { bands, channels, cloneCustomers, replyRequest, startTemplate, type Channel, type Customer, type ReplyKind, type Template } from '../lib/customers.js';
import { phase, runFloor, runLoad, type LoadResult } from '../lib/load.js';
import { rssMiB, startNodeChild, type NodeChild } from '../lib/processes.js';
import { buildProduct, startProduct, startProductCompiled, withDbName, type Fakes } from '../lib/product.js';
import { commandsFor, countReplies, type RecordedReply, type RoundTrips } from '../lib/round-trips.js';
import { startWireProxy } from '../../test/helpers/wire-proxy.js';
import { freePort } from '../../src/store/embedded-database.js';

export interface ReplySizes {
  /** Replies counted one at a time, per band, per channel and kind. */
  counted: number;
  /** Unmeasured replies per channel and kind first, so the measured ones run on warm (JIT-compiled) code. */
  warmUp: number;
  /** Replies under load per channel and kind (Telegram's own, below: the product paces them at 30/s). */
  load: number;
  telegram: number;
  connections: number;
  /** Requests to the bare route. */
  ceiling: number;
  /** The memory soak: SMS and web-chat replies at a steady rate for this long, on the compiled build started for it (0: none). */
  soakSeconds: number;
  soakRate: number;
  /** Channels to measure (all four unless said otherwise). */
  only?: readonly Channel[];
}

export interface KindFigures {
  roundTrips: RoundTrips;
  product: Omit<LoadResult, 'rss'> & { cpuMsPerReply: number; dbCpuMsPerReply: number };
  floor: FloorPhase & { cpuMsPerReply: number; dbCpuMsPerReply: number };
  /** Product replies/s over floor replies/s. */
  ratio: number;
}

export interface ChannelFigures {
  channel: Channel;
  replies: number;
  /** Surveys of the measured customers completed after their two replies (must be all). */
  completed: number;
  score: KindFigures;
  comment: KindFigures;
}

export interface ReplyFigures {
  database: string;
  /** Surveys stored while replies were measured (a server without secondary indexes scans them). */
  storedSurveys: number;
  channels: ChannelFigures[];
  ceiling?: { requests: number; perSecond: number; latencyMs: { p50: number; p99: number }; cpuMsPerRequest: number; peakRssMiB: number };
  /** The server's RSS (every channel loaded) before the load and at its peak. */
  rss: { idleMiB: number; peakMiB: number };
  soak?: Soak;
}

export interface Soak {
  seconds: number;
  ratePerSecond: number;
  replies: number;
  ok: number;
  startMiB: number;
  endMiB: number;
  peakMiB: number;
  /** Least-squares slope of RSS over the soak after its first fifth (warm-up), MiB per minute. */
  slopeMiBPerMinute: number;
  /** The same over its last half (absent in runs from before it was taken). */
  slopeLastHalfMiBPerMinute?: number;
  /** RSS every 5 s. */
  samples: number[];
}

const bandOf = (i: number) => bands[i % bands.length]!.band;
const kinds = ['score', 'comment'] as const;

/** Surveys of these customers now in `state`. */
async function inState(db: Db, customers: Customer[], state: string): Promise<number> {
  return db.collection('surveys').countDocuments({ address: { $in: customers.map((c) => c.address) }, channel: customers[0]!.channel, state });
}

interface Groups {
  counted: Customer[];
  warm: Customer[];
  load: Customer[];
  floorWarm: Customer[];
  floor: Customer[];
}

export async function benchReplies(database: { uri: string; engine: string; pid?: number }, db: Db, dbName: string, fakes: Fakes, sizes: ReplySizes, log: (line: string) => void): Promise<ReplyFigures> {
  const uri = withDbName(database.uri, dbName);
  const serviceUrl = fakes.connector.serviceUrl;
  const measured = sizes.only ?? channels;
  const soakCustomers = Math.ceil((sizes.soakSeconds * sizes.soakRate) / 4);

  // Round trips: a server with every channel, through a counting proxy, one reply at a time. The
  // servers measured under load start meanwhile (they talk to the database directly).
  const proxy = await startWireProxy(database.uri);
  const counting = await startProduct(fakes, withDbName(proxy.uri, dbName), 'all');
  // Not together with the first: servers starting at once on an empty database can collide on
  // creating the business document (E11000 from the upsert; see the report).
  // One server with every channel: the business the environment describes is stored data, so
  // servers on one database given different channels would replace each other's, and the channel
  // left out would refuse its replies (404).
  const loaded = startProduct(fakes, uri, 'all');
  loaded.catch(() => {}); // awaited below
  const groups = new Map<Channel, Groups>();
  const templates = new Map<Channel, Template>();
  const recorded = new Map<string, RecordedReply>();
  const trips = new Map<string, RoundTrips>();
  let storedSurveys = 0;
  try {
    for (const channel of measured) {
      const template = await startTemplate(channel, counting.url, db, fakes);
      templates.set(channel, template);
      const size = channel === 'telegram' ? sizes.telegram : sizes.load;
      const clone = (n: number) => cloneCustomers(db, template, n, bandOf);
      groups.set(channel, {
        counted: await clone(sizes.counted * bands.length),
        // Telegram's replies are paced at 30/s: fewer of them warm up the code they share with the rest.
        warm: await clone(channel === 'telegram' ? Math.min(sizes.warmUp, Math.ceil(size / 3)) : sizes.warmUp),
        load: await clone(size),
        floorWarm: await clone(channel === 'telegram' ? Math.min(sizes.warmUp, Math.ceil(size / 3)) : sizes.warmUp),
        floor: await clone(size),
      });
    }
    storedSurveys = await db.collection('surveys').countDocuments({});
    log(`${database.engine}: ${storedSurveys} surveys stored; counting round trips`);
    for (const channel of measured) {
      for (const kind of kinds) trips.set(`${channel}:${kind}`, await countReplies(counting.url, proxy, groups.get(channel)!.counted, kind, serviceUrl, recorded));
    }
  } finally {
    await counting.stop();
    await proxy.close();
  }

  // Under load: the server with every channel, straight to the database.
  const server = await loaded;
  const watch = { server: server.pid, ...(database.pid ? { database: database.pid } : {}) };
  const rss = { idleMiB: rssMiB(server.pid), peakMiB: 0 };
  let soak: Soak | undefined;
  const results: LoadResult[] = [];
  const floorRuns: FloorPhase[] = [];
  const replay = (customers: Customer[], kind: ReplyKind) => customers.map((c) => commandsFor(recorded, c, kind, replyRequest(c, kind, serviceUrl).messageId));
  try {
    // Channel by channel: half the floor, the product, the other half of the floor, so both see the
    // same noise and a database that slows as it fills (mongo-java-server's heap) favours neither.
    for (const channel of measured) {
      const options = { connections: sizes.connections, watch, rssOf: server.pid };
      const group = groups.get(channel)!;
      const floorHalf = async (half: 0 | 1) => {
        const part = (list: Customer[]) => list.filter((_, i) => i % 2 === half);
        const floorPhases = [
          ...kinds.map((kind) => ({ name: `warm-up ${channel} ${kind}`, replies: replay(part(group.floorWarm), kind), warmUp: true })),
          ...kinds.map((kind) => ({ name: `${channel} ${kind}`, replies: replay(part(group.floor), kind) })),
        ];
        return runFloor({ uri, dbName, concurrency: sizes.connections, phases: floorPhases, watch: database.pid ? { database: database.pid } : {} });
      };
      const first = await floorHalf(0);
      const phases = [
        ...kinds.map((kind) => phase(`warm-up ${channel} ${kind}`, server.url, group.warm.map((c) => replyRequest(c, kind, serviceUrl)), options)),
        ...kinds.map((kind) => phase(`${channel} ${kind}`, server.url, group.load.map((c) => replyRequest(c, kind, serviceUrl)), options)),
      ];
      results.push(...(await runLoad(phases)).filter((r) => !r.name.startsWith('warm-up')));
      const second = await floorHalf(1);
      floorRuns.push(...first.map((a, i) => combine(a, second[i]!)));
    }
    for (const r of results) rss.peakMiB = Math.max(rss.peakMiB, ...r.rss.map((x) => x.mib));
  } finally {
    await server.stop();
  }
  if (sizes.soakSeconds > 0) {
    // Its customers are stored only now: a server without secondary indexes scans every survey.
    const soakers = async (channel: Channel) => (templates.has(channel) ? cloneCustomers(db, templates.get(channel)!, soakCustomers, bandOf) : []);
    const [sms, web] = [await soakers('sms'), await soakers('web')];
    // The production build, started for the soak: a server from source gives back for minutes what
    // tsx took to compile it at start, and one that served the load phases what V8 grew for them.
    await buildProduct();
    const fresh = await startProductCompiled(fakes, uri, 'all');
    try {
      soak = await soakRun(fresh, sms, web, sizes, serviceUrl, log);
    } finally {
      await fresh.stop();
    }
  }

  const out: ChannelFigures[] = [];
  for (const channel of measured) {
    const figures = {} as Record<ReplyKind, KindFigures>;
    for (const kind of kinds) {
      const run = results.find((r) => r.name === `${channel} ${kind}`)!;
      const f = floorRuns.find((r) => r.name === `${channel} ${kind}`)!;
      const { rss: _samples, ...product } = run;
      figures[kind] = {
        roundTrips: trips.get(`${channel}:${kind}`)!,
        product: { ...product, cpuMsPerReply: run.cpuMs.server! / run.ok, dbCpuMsPerReply: (run.cpuMs.database ?? NaN) / run.ok },
        floor: { ...f, cpuMsPerReply: f.cpuMs.floor! / f.replies, dbCpuMsPerReply: (f.cpuMs.database ?? NaN) / f.replies },
        ratio: run.perSecond / f.perSecond,
      };
      // A phase none of whose replies was answered in time has no rate (JSON null): '-', and the count says why.
      const fixed = (x: number | null | undefined, digits = 0) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '-');
      log(
        `${database.engine} ${channel} ${kind}: ${fixed(run.perSecond)}/s (floor ${fixed(f.perSecond)}/s, ${fixed(figures[kind].ratio * 100)} %), ` +
          `p50 ${run.latencyMs.p50} ms p99 ${run.latencyMs.p99} ms, ${fixed(figures[kind].product.cpuMsPerReply, 2)} ms CPU/reply (floor ${fixed(figures[kind].floor.cpuMsPerReply, 2)}), ` +
          `${figures[kind].roundTrips.perReply.toFixed(1)} round trips${figures[kind].roundTrips.suspect ? ` (${figures[kind].roundTrips.suspect} suspect)` : ''}; ${run.ok}/${run.sent} answered 2xx${run.refused.length ? ` (${run.refused[0]})` : ''}${run.timeouts ? `, ${run.timeouts} timed out` : ''}, floor misses ${f.misses}${f.misses ? ` ${JSON.stringify(f.missed)}` : ''}`,
      );
    }
    const load = groups.get(channel)!.load;
    out.push({ channel, replies: load.length, completed: await inState(db, load, 'completed'), score: figures.score, comment: figures.comment });
  }
  return { database: database.engine, storedSurveys, channels: out, ...(sizes.ceiling ? { ceiling: await benchCeiling(sizes) } : {}), rss, ...(soak ? { soak } : {}) };
}

/** Two runs of one floor phase as one: replies over the time of both, percentiles over all latencies. */
function combine(a: FloorPhase, b: FloorPhase): FloorPhase {
  const latencies = [...a.latencies, ...b.latencies].sort((x, y) => x - y);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  const cpuMs = Object.fromEntries(Object.keys(a.cpuMs).map((k) => [k, a.cpuMs[k]! + (b.cpuMs[k] ?? 0)]));
  const missed = { ...a.missed };
  for (const [k, n] of Object.entries(b.missed)) missed[k] = (missed[k] ?? 0) + n;
  const replies = a.replies + b.replies;
  const seconds = a.seconds + b.seconds;
  return { name: a.name, replies, seconds, perSecond: replies / seconds, latencyMs: { p50: at(0.5), p99: at(0.99) }, latencies: [], misses: a.misses + b.misses, missed, cpuMs };
}

/** Replies at a steady rate for a while (SMS and web chat, score then comment), RSS every second. */
async function soakRun(server: NodeChild, sms: Customer[], web: Customer[], sizes: ReplySizes, serviceUrl: string, log: (line: string) => void): Promise<Soak> {
  const mixed = sms.flatMap((c, i) => (web[i] ? [c, web[i]] : [c]));
  // Blocks of customers: their scores, then their comments, so every comment finds its survey waiting for it.
  const block = Math.max(1, sizes.soakRate * 4);
  const requests = [];
  for (let i = 0; i < mixed.length; i += block) {
    const group = mixed.slice(i, i + block);
    requests.push(...group.map((c) => replyRequest(c, 'score', serviceUrl)), ...group.map((c) => replyRequest(c, 'comment', serviceUrl)));
  }
  const [run] = await runLoad([phase('soak', server.url, requests, { connections: Math.min(8, sizes.connections), overallRate: sizes.soakRate, watch: { server: server.pid }, rssOf: server.pid })]);
  const samples = run!.rss;
  // Least-squares slope of RSS, MiB a second, over the samples from a share of the soak on.
  const slopeFrom = (share: number) => {
    const after = samples.filter((s) => s.t >= samples.at(-1)!.t * share);
    const mt = after.reduce((a, s) => a + s.t, 0) / after.length;
    const mm = after.reduce((a, s) => a + s.mib, 0) / after.length;
    return after.reduce((a, s) => a + (s.t - mt) * (s.mib - mm), 0) / Math.max(1e-9, after.reduce((a, s) => a + (s.t - mt) ** 2, 0));
  };
  const soak: Soak = {
    seconds: run!.seconds,
    ratePerSecond: run!.perSecond,
    replies: requests.length,
    ok: run!.ok,
    startMiB: samples[0]!.mib,
    endMiB: samples.at(-1)!.mib,
    peakMiB: Math.max(...samples.map((s) => s.mib)),
    slopeMiBPerMinute: slopeFrom(1 / 5) * 60,
    slopeLastHalfMiBPerMinute: slopeFrom(1 / 2) * 60,
    samples: samples.filter((_, i) => i % 20 === 0).map((s) => Math.round(s.mib)),
  };
  log(`soak: ${soak.replies} replies in ${soak.seconds.toFixed(0)} s, RSS ${soak.startMiB.toFixed(0)} → ${soak.endMiB.toFixed(0)} MiB (peak ${soak.peakMiB.toFixed(0)}), slope ${soak.slopeMiBPerMinute.toFixed(2)} MiB/min (over its last half ${soak.slopeLastHalfMiBPerMinute!.toFixed(2)})`);
  return soak;
}

/** The bare Fastify route, driven like the web chat. */
export async function benchCeiling(sizes: ReplySizes): Promise<NonNullable<ReplyFigures['ceiling']>> {
  const port = await freePort();
  const bare = await startNodeChild('bench/bare-server.ts', { PORT: String(port) }, { port });
  try {
    const requests = Array.from({ length: sizes.ceiling }, (_, i) => ({
      method: 'POST' as const,
      path: `/chat/api/visitors/v_${String(i).padStart(32, '0')}/messages`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messageId: `m${i}`, text: 'quick and friendly, thank you' }),
      messageId: `m${i}`,
    }));
    const options = { connections: sizes.connections, watch: { server: bare.pid }, rssOf: bare.pid };
    const [, run] = (await runLoad([phase('warm-up', bare.url, requests.slice(0, 1000), options), phase('ceiling', bare.url, requests, options)])) as [LoadResult, LoadResult];
    return { requests: run.ok, perSecond: run.perSecond, latencyMs: { p50: run.latencyMs.p50, p99: run.latencyMs.p99 }, cpuMsPerRequest: run.cpuMs.server! / run.ok, peakRssMiB: Math.max(...run.rss.map((r) => r.mib)) };
  } finally {
    await bare.stop();
  }
}
