/**
 * Benchmarks that hold on a noisy machine (issue #17): every figure is printed beside its baseline
 * measured in the same run, never against an earlier run. Loopback only, every loop bounded.
 *   npm run bench              full run (12 minutes on two cores on 2026-11-25; longer since figures 5c and 9 came)
 *   npm run bench -- --quick   the same figures on small samples (about 1.5 minutes)
 * The database is MONGODB_URI when set, else mongo-java-server started here; FerretDB (what
 * `npm start` embeds) gets the reply figures too when its binary is built. Writes bench/results.json.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startFerretDbProcess } from '../test/helpers/ferretdb-process.js';
import { startMongoJavaServer } from '../test/helpers/mongo-java-server.js';
import { benchCampaign, type CampaignFigures } from './figures/campaign.js';
import { benchDigest, type DigestFigures } from './figures/digest.js';
import { benchPeakRss, type RssFigures } from './figures/peak-rss.js';
import { benchPeers, type PeerFigures, type PeerSizes } from './figures/peers.js';
import { benchReads, readsMarkdown, type ReadFigures } from './figures/reads.js';
import { benchReplies, type ReplyFigures, type ReplySizes } from './figures/replies.js';
import { benchSettling, type SettlingFigures } from './figures/settling.js';
import { benchSharedCampaign, type SharedCampaignFigures } from './figures/shared-campaign.js';
import { connectRaw } from './lib/customers.js';
import { generateSurveys } from './lib/survey-data.js';
import { startFakes } from './lib/product.js';
import { markdown, rssVerdicts, sharedCampaignVerdicts, verdicts } from './lib/report.js';

const quick = process.argv.includes('--quick');
// --only=replies,peers,campaign,shared-campaign,digest,settling,reads,rss,ferretdb runs some figures
// (while working on one); the other figures of the last run are kept in bench/results.json.
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const wanted = (figure: string) => !only || only.includes(figure);
// --baseline=<folder>: another checkout of the product (say `git archive <commit>` unpacked, with a
// node_modules link) measured beside this one in figure 8, in the same run.
const baselineDir = process.argv.find((a) => a.startsWith('--baseline='))?.slice(11);
const cacheDir = process.env.FERRETDB_CACHE_DIR ?? path.resolve('.cache');
const t0 = Date.now();
const log = (line: string) => console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${line}`);

// Figure 6's SMS sample: beside 10,000 stored surveys one reply takes seconds on FerretDB, so a sample
// of every channel would take an hour (a quick run takes this one beside 10 stored surveys too).
const ferretSmsSample = { counted: 1, warmUp: 5, load: 20, telegram: 10, connections: 8, ceiling: 0, soakSeconds: 0, soakRate: 0, only: ['sms'] } satisfies ReplySizes;

const sizes = quick
  ? {
      replies: { counted: 1, warmUp: 30, load: 80, telegram: 60, connections: 16, ceiling: 2_000, soakSeconds: 0, soakRate: 50 } satisfies ReplySizes,
      campaign: { sms: 700, telegram: 420, smsRate: 50, failAt: 0.05 },
      sharedCampaign: { sms: 600, smsRate: 50 },
      digest: { large: 20_000, full: 10_000, small: 1_000, runs: 7 },
      peers: { warmUp: 40, measured: 100, connections: 8 } satisfies PeerSizes,
      settling: 12_000,
      reads: [1_000, 20_000],
      rssSeconds: 10,
    }
  : {
      replies: { counted: 2, warmUp: 150, load: 500, telegram: 300, connections: 16, ceiling: 20_000, soakSeconds: 300, soakRate: 20 } satisfies ReplySizes,
      ferret: { counted: 1, warmUp: 10, load: 30, telegram: 30, connections: 16, ceiling: 0, soakSeconds: 0, soakRate: 0 } satisfies ReplySizes,
      campaign: { sms: 7_700, telegram: 2_300, smsRate: 100, failAt: 0.4 },
      sharedCampaign: { sms: 4_000, smsRate: 100 },
      digest: { large: 1_000_000, full: 30_000, small: 1_000, runs: 9 },
      peers: { warmUp: 150, measured: 600, connections: 16 } satisfies PeerSizes,
      settling: 120_000,
      reads: [1_000, 100_000, 1_000_000],
      rssSeconds: 30,
    };
// --reads=1000,100000 chooses the sizes of figure 9 (the million needs minutes and a 6 GB heap).
const readSizes = process.argv.find((a) => a.startsWith('--reads='))?.slice(8).split(',').map(Number) ?? sizes.reads;

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(1)} at start`;
log(`${quick ? 'quick' : 'full'} run on ${machine}`);

const external = process.env.MONGODB_URI;
const benchDbs = ['bench_rss_tsx_all', 'bench_rss_compiled_all', 'bench_rss_compiled_web', 'bench_replies', 'bench_peers', 'bench_campaign', 'bench_shared_campaign_1', 'bench_shared_campaign_3', 'bench_settling', 'bench_digest_small', 'bench_digest_full', 'bench_digest_large', ...readSizes.map((n) => `bench_reads_${n}`)];
const fakes = await startFakes();
const replies: ReplyFigures[] = [];
let campaign: CampaignFigures | undefined;
let sharedCampaign: SharedCampaignFigures | undefined;
let peers: PeerFigures | undefined;
let digest: DigestFigures | undefined;
let settling: SettlingFigures | undefined;
let reads: ReadFigures | undefined;
let rss: RssFigures | undefined;
const skipped: string[] = [];

async function dropBenchDatabases(uri: string): Promise<void> {
  const { client } = await connectRaw(uri, 'admin');
  for (const name of benchDbs) await client.db(name).dropDatabase().catch(() => {});
  await client.close();
}

// The main database: figures 1, 2, 4, 5, 5c, 7 and 8 (and 3 when it is external). A full run's figure 7
// adds 120,000 surveys to what the figures before it stored: with 512 MB of heap the server dropped
// its connections there (most likely out of memory) and the run stopped.
const main = external ? { uri: external, engine: 'MONGODB_URI', pid: undefined, stop: async () => {} } : await startMongoJavaServer({ cacheDir, log, heap: quick ? '512m' : '3g' });
try {
  if (external) await dropBenchDatabases(external);
  const { client, db } = await connectRaw(main.uri, 'bench_replies');
  try {
    if (wanted('replies')) replies.push(await benchReplies({ uri: main.uri, engine: main.engine, pid: main.pid }, db, 'bench_replies', fakes, sizes.replies, log));
  } finally {
    await client.close();
  }
  if (wanted('peers')) {
    const peerDb = await connectRaw(main.uri, 'bench_peers');
    try {
      peers = await benchPeers({ uri: main.uri, engine: main.engine }, peerDb.db, 'bench_peers', fakes, { ...sizes.peers, ...(baselineDir ? { baselineDir: path.resolve(baselineDir) } : {}) }, log);
    } finally {
      await peerDb.client.close();
    }
  }
  if (wanted('settling')) settling = await benchSettling({ uri: main.uri, engine: main.engine }, sizes.settling, log);
  if (wanted('campaign')) campaign = await benchCampaign({ uri: main.uri, engine: main.engine }, sizes.campaign, log);
  if (wanted('shared-campaign')) sharedCampaign = await benchSharedCampaign({ uri: main.uri, engine: main.engine }, sizes.sharedCampaign, log);
  if (wanted('rss')) rss = await benchPeakRss({ uri: main.uri, engine: main.engine }, fakes, sizes.rssSeconds, log);
  if (external && wanted('digest')) digest = await benchDigest({ uri: main.uri, engine: main.engine }, sizes.digest, fakes, log);
  if (external && wanted('reads')) reads = await benchReads({ uri: main.uri, engine: main.engine }, readSizes, sizes.digest.runs, fakes, log);
  if (external) await dropBenchDatabases(external);
} finally {
  await main.stop();
}

// Figure 3 on mongo-java-server of its own, with the heap a million surveys need.
if (!external && wanted('digest')) {
  const big = await startMongoJavaServer({ cacheDir, log, heap: quick ? '1g' : '6g' });
  try {
    digest = await benchDigest({ uri: big.uri, engine: big.engine }, sizes.digest, fakes, log);
  } finally {
    await big.stop();
  }
}

// Figure 9 on mongo-java-server of its own too, with the heap its largest set needs.
if (!external && wanted('reads')) {
  const big = await startMongoJavaServer({ cacheDir, log, heap: Math.max(...readSizes) > 200_000 ? '6g' : '2g' });
  try {
    reads = await benchReads({ uri: big.uri, engine: big.engine }, readSizes, sizes.digest.runs, fakes, log);
  } finally {
    await big.stop();
  }
}

// Figure 6: the reply figures on FerretDB, the database `npm start` runs with no configuration, beside
// 10 and beside 10,000 stored surveys (the bench's data builder, as the digest figures), each run on a
// FerretDB of its own: how reply time grows with what the embedded database holds.
// It answers about ten replies a second here, so a sample worth reading takes minutes: full runs only,
// or a small sample when asked for by name (--quick --only=ferretdb).
const ferretSizes = 'ferret' in sizes ? sizes.ferret : only?.includes('ferretdb') ? ferretSmsSample : undefined;
if (!wanted('ferretdb')) skipped.push('figure 6 on FerretDB: not asked for (--only)');
else if (!ferretSizes) skipped.push('figure 6 on FerretDB: full run only (about ten replies a second; a sample worth reading takes minutes)');
else {
  for (const [stored, sample] of [[10, ferretSizes], [10_000, ferretSmsSample]] as const) {
    const dataDir = path.join(os.tmpdir(), `bench-ferretdb-${process.pid}-${stored}`);
    // Built with Go into the cache on first use (about two minutes), as `npm start` does.
    const ferret = await startFerretDbProcess({ dataDir, cacheDir });
    try {
      const { client, db } = await connectRaw(ferret.uri, 'bench_replies');
      try {
        log(`ferretdb: ${(await generateSurveys(db, stored, new Date())).surveys} surveys stored before the replies`);
        replies.push(await benchReplies({ uri: ferret.uri, engine: 'ferretdb', pid: ferret.pid }, db, 'bench_replies', fakes, sample, log));
      } finally {
        await client.close();
      }
    } finally {
      await ferret.kill('SIGTERM');
      await rm(dataDir, { recursive: true, force: true });
    }
  }
}
await fakes.close();

const wallSeconds = (Date.now() - t0) / 1000;
// With --only, the figures not run this time are those of the last run.
const previous = only && existsSync(path.resolve('bench/results.json')) ? (JSON.parse(readFileSync(path.resolve('bench/results.json'), 'utf8')) as Record<string, unknown>) : {};
const fresh = [...verdicts(replies[0], campaign, digest, peers), ...(sharedCampaign ? sharedCampaignVerdicts(sharedCampaign) : []), ...(rss ? rssVerdicts(rss) : [])];
const freshFigures = new Set(fresh.map((v) => v.figure));
const kept = ((previous.verdicts as typeof fresh | undefined) ?? []).filter((v) => !freshFigures.has(v.figure));
// A partial run says when and where it ran beside the figures it ran (`partialRuns`).
const thisRun = { date: new Date().toISOString(), quick, machine: `${machine}, ${os.loadavg()[0]!.toFixed(1)} at end`, wallSeconds };
const results = {
  ...previous,
  ...(only ? { partialRuns: [...((previous.partialRuns as unknown[] | undefined) ?? []), { ...thisRun, figures: only }] } : thisRun),
  note: 'Every figure is beside its baseline from this same run: the floor (the same database commands replayed with the raw driver), the bare Fastify route, a recomputation from the surveys, the configured rate.',
  skipped,
  verdicts: [...kept, ...fresh].sort((a, b) => a.figure.localeCompare(b.figure, 'en', { numeric: true })),
  // Reply figures are kept per database: a run on one (say --only=ferretdb) replaces that database's.
  replies: [...((previous.replies as ReplyFigures[] | undefined) ?? []).filter((r) => !replies.some((x) => x.database === r.database)), ...replies],
  peers: peers ?? previous.peers,
  campaign: campaign ?? previous.campaign,
  sharedCampaign: sharedCampaign ?? previous.sharedCampaign,
  digest: digest ?? previous.digest,
  settling: settling ?? previous.settling,
  rss: rss ?? previous.rss,
  reads: reads ? { ...reads, date: new Date().toISOString(), quick, sizesRun: readSizes } : previous.reads,
};
writeFileSync(path.resolve('bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\n${markdown({ ...results, ...thisRun, campaign: results.campaign as CampaignFigures | undefined, digest: results.digest as DigestFigures | undefined })}\n`);
if (reads) console.log(`${readsMarkdown(reads)}\n`);
for (const line of skipped) console.log(`skipped: ${line}`);
log(`done in ${wallSeconds.toFixed(0)} s; bench/results.json written`);
process.exit(0);
