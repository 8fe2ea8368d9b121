/**
 * Benchmarks that hold on a noisy machine (issue #17): every figure is printed beside its baseline
 * measured in the same run, never against an earlier run. Loopback only, every loop bounded.
 *   npm run bench              full run (about 12 minutes on two cores)
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
import { benchReplies, type ReplyFigures, type ReplySizes } from './figures/replies.js';
import { benchSettling, type SettlingFigures } from './figures/settling.js';
import { connectRaw } from './lib/customers.js';
import { generateSurveys } from './lib/survey-data.js';
import { startFakes } from './lib/product.js';
import { markdown, verdicts } from './lib/report.js';

const quick = process.argv.includes('--quick');
// --only=replies,campaign,digest,settling,ferretdb runs some figures (while working on one).
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const wanted = (figure: string) => !only || only.includes(figure);
const cacheDir = process.env.FERRETDB_CACHE_DIR ?? path.resolve('.cache');
const t0 = Date.now();
const log = (line: string) => console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${line}`);

const sizes = quick
  ? {
      replies: { counted: 1, warmUp: 30, load: 80, telegram: 60, connections: 16, ceiling: 2_000, soakSeconds: 0, soakRate: 50 } satisfies ReplySizes,
      campaign: { sms: 700, telegram: 420, smsRate: 50, failAt: 0.05 },
      digest: { large: 20_000, full: 10_000, small: 1_000, runs: 7 },
      // SMS only: at 10,000 stored surveys one reply takes seconds here, so a sample of every channel would take an hour.
      ferretSmall: { counted: 1, warmUp: 5, load: 20, telegram: 10, connections: 8, ceiling: 0, soakSeconds: 0, soakRate: 0, only: ['sms'] } satisfies ReplySizes,
      settling: 12_000,
    }
  : {
      replies: { counted: 2, warmUp: 150, load: 500, telegram: 300, connections: 16, ceiling: 20_000, soakSeconds: 120, soakRate: 20 } satisfies ReplySizes,
      ferret: { counted: 1, warmUp: 10, load: 30, telegram: 30, connections: 16, ceiling: 0, soakSeconds: 0, soakRate: 0 } satisfies ReplySizes,
      campaign: { sms: 7_700, telegram: 2_300, smsRate: 100, failAt: 0.4 },
      digest: { large: 1_000_000, full: 30_000, small: 1_000, runs: 9 },
      ferretSmall: undefined,
      settling: 120_000,
    };

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(1)} at start`;
log(`${quick ? 'quick' : 'full'} run on ${machine}`);

const external = process.env.MONGODB_URI;
const benchDbs = ['bench_replies', 'bench_campaign', 'bench_settling', 'bench_digest_small', 'bench_digest_full', 'bench_digest_large'];
const fakes = await startFakes();
const replies: ReplyFigures[] = [];
let campaign: CampaignFigures | undefined;
let digest: DigestFigures | undefined;
let settling: SettlingFigures | undefined;
const skipped: string[] = [];

async function dropBenchDatabases(uri: string): Promise<void> {
  const { client } = await connectRaw(uri, 'admin');
  for (const name of benchDbs) await client.db(name).dropDatabase().catch(() => {});
  await client.close();
}

// The main database: figures 1, 2, 4 and 5 (and 3 when it is external).
const main = external ? { uri: external, engine: 'MONGODB_URI', pid: undefined, stop: async () => {} } : await startMongoJavaServer({ cacheDir, log, heap: '512m' });
try {
  if (external) await dropBenchDatabases(external);
  const { client, db } = await connectRaw(main.uri, 'bench_replies');
  try {
    if (wanted('replies')) replies.push(await benchReplies({ uri: main.uri, engine: main.engine, pid: main.pid }, db, 'bench_replies', fakes, sizes.replies, log));
  } finally {
    await client.close();
  }
  if (wanted('settling')) settling = await benchSettling({ uri: main.uri, engine: main.engine }, sizes.settling, log);
  if (wanted('campaign')) campaign = await benchCampaign({ uri: main.uri, engine: main.engine }, sizes.campaign, log);
  if (external && wanted('digest')) digest = await benchDigest({ uri: main.uri, engine: main.engine }, sizes.digest, fakes, log);
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

// Figure 6: the reply figures on FerretDB, the database `npm start` runs with no configuration, beside
// 10 and beside 10,000 stored surveys (the bench's data builder, as the digest figures), each run on a
// FerretDB of its own: how reply time grows with what the embedded database holds.
// It answers about ten replies a second here, so a sample worth reading takes minutes: full runs only,
// or a small sample when asked for by name (--quick --only=ferretdb).
const ferretSizes = 'ferret' in sizes ? sizes.ferret : only?.includes('ferretdb') ? sizes.ferretSmall : undefined;
if (!wanted('ferretdb')) skipped.push('figure 6 on FerretDB: not asked for (--only)');
else if (!ferretSizes) skipped.push('figure 6 on FerretDB: full run only (about ten replies a second; a sample worth reading takes minutes)');
else {
  for (const stored of [10, 10_000]) {
    const dataDir = path.join(os.tmpdir(), `bench-ferretdb-${process.pid}-${stored}`);
    // Built with Go into the cache on first use (about two minutes), as `npm start` does.
    const ferret = await startFerretDbProcess({ dataDir, cacheDir });
    try {
      const { client, db } = await connectRaw(ferret.uri, 'bench_replies');
      try {
        log(`ferretdb: ${(await generateSurveys(db, stored, new Date())).surveys} surveys stored before the replies`);
        replies.push(await benchReplies({ uri: ferret.uri, engine: 'ferretdb', pid: ferret.pid }, db, 'bench_replies', fakes, ferretSizes, log));
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
const results = {
  date: new Date().toISOString(),
  quick,
  machine: `${machine}, ${os.loadavg()[0]!.toFixed(1)} at end`,
  wallSeconds,
  note: 'Every figure is beside its baseline from this same run: the floor (the same database commands replayed with the raw driver), the bare Fastify route, a recomputation from the surveys, the configured rate.',
  skipped,
  verdicts: verdicts(replies[0], campaign, digest),
  replies,
  campaign,
  digest,
  settling,
};
// A run of some figures (--only) updates those in the results file and keeps the rest as they were.
const file = path.resolve('bench/results.json');
const previous = only && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as typeof results & { partialRuns?: unknown[] }) : undefined;
const ran = new Set(replies.map((r) => r.database));
const written = previous
  ? {
      ...previous,
      replies: [...(previous.replies ?? []).filter((r) => !ran.has(r.database)), ...replies],
      campaign: campaign ?? previous.campaign,
      digest: digest ?? previous.digest,
      settling: settling ?? previous.settling,
      partialRuns: [...(previous.partialRuns ?? []), { date: results.date, quick, only, machine: results.machine, wallSeconds, figures: [...ran] }],
    }
  : results;
writeFileSync(file, `${JSON.stringify(written, null, 2)}\n`);
console.log(`\n${markdown({ ...results, replies, machine: results.machine })}\n`);
for (const line of skipped) console.log(`skipped: ${line}`);
log(`done in ${wallSeconds.toFixed(0)} s; bench/results.json written`);
process.exit(0);
