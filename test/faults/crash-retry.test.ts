/**
 * Crash fault test ("One inbound pipeline on a storage seam"): a server in a child process is
 * SIGKILLed at random moments while customers (SMS, Telegram, web chat, WhatsApp) reply with their score and
 * then their comment, on every database the product supports; then the database (FerretDB) is,
 * while customers reply with their score. The providers' retries are then replayed. Every answer
 * and comment must be stored exactly once, every customer must get each reply exactly once, and the
 * counters, once the week is recounted (`npm run counters -- rebuild`), must show every one of them:
 *   crash (server killed) on mongo-java-server: answers 136, comments 136, web 20, whatsapp 16, lost 0, duplicated 0, counted twice 0, uncounted 0
 *   crash (server killed) on ferretdb: answers 60, comments 60, web 10, whatsapp 10, lost 0, duplicated 0, counted twice 0, uncounted 0
 * The database phase ends with an outage longer than the driver waits (see outage.ts):
 *   database outage: webhooks answered during it 24, 5xx 24, other 0; /readyz probes 5, 503 5
 *   database outage on ferretdb: answers 24, lost 0, duplicated 0, counted twice 0, uncounted 0
 * CRASH_SEED=<n> repeats a run's kill moments; CRASH_KILLS=0 runs it without kills.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/store/embedded-database.js';
import { databaseEngine, databaseUri, ferretDbUri, uniqueDbName } from '../helpers/database.js';
import { Rng, seedSurveys, serverEnv, startFakes, whatsappEnv, withDbName, type Fakes } from './crash-rig.js';
import { sendWithCrashes } from './crash-traffic.js';
import { countedSoFar, report, verify } from './crash-verdict.js';
import { startFerretDbProcess, type FerretDbProcess } from '../helpers/ferretdb-process.js';
import { longOutage } from './outage.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

const seed = Number(process.env.CRASH_SEED ?? Date.now() % 2_147_483_647);
/** Kills per phase: between `most` and `least` by the seed; CRASH_KILLS=0 runs the same traffic without crashes (checks the counting). */
const killsFor = (rng: Rng, [least, most]: readonly [number, number] = [2, 3]) => (process.env.CRASH_KILLS ? Number(process.env.CRASH_KILLS) : rng.int(least, most));

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => console.error('fault test cleanup:', err));
});

/**
 * The server is killed on every database the product supports: the suite's server (atomic per
 * document, as MongoDB is) and FerretDB, which `npm start` embeds. FerretDB answers about ten replies
 * a second here, so it gets fewer customers and two kills.
 */
const databases = [
  { label: 'the suite’s server', engine: databaseEngine, uri: databaseUri, mix: { count: 100, web: 20, whatsapp: 16, comments: true }, kills: [2, 3] as [number, number] },
  { label: 'FerretDB', engine: () => 'ferretdb', uri: ferretDbUri, mix: { count: 40, web: 10, whatsapp: 10, comments: true }, kills: [2, 2] as [number, number] },
];

describe('crash and retry', () => {
  it.each(databases)('loses, duplicates and leaves uncounted nothing when the server is SIGKILLed mid-traffic, on $label', async ({ engine, uri: uriOf, mix, kills }) => {
    const name = engine();
    console.log(`[fault test] server killed on ${name}: seed ${seed} (CRASH_SEED=${seed} repeats it)`);
    const rng = new Rng(seed);
    const fakes: Fakes = await startFakes();
    cleanups.push(() => fakes.close());
    const uri = uriOf();
    const dbName = uniqueDbName('crash_server');
    cleanups.push(async () => {
      const conn = await mongoose.createConnection(uri, { dbName, serverSelectionTimeoutMS: 5_000 }).asPromise();
      await conn.dropDatabase().catch(() => {});
      await conn.close();
    });
    // The web chat on, as `npm start` has it (its visitors all come from this one address), and WhatsApp.
    const env = { ...serverEnv(fakes, withDbName(uri, dbName)), ...whatsappEnv(fakes), WEB_CHAT_ENABLED: 'true', WEB_CHAT_VISITORS_PER_HOUR: '10000' };
    const server: ServerProcess = await startServerProcess(env, await freePort());
    cleanups.push(() => server.stop());

    const seeded = await seedSurveys(server, fakes, mix);
    const traffic = await sendWithCrashes(
      server,
      seeded.answers,
      { kill: () => server.kill(), restart: () => server.restart(), outageMs: [0, 0], pauseWhileDown: true },
      rng,
      killsFor(rng, kills),
    );
    const verdict = await verify(uri, dbName, fakes, seeded, traffic.killTimes);
    const told = report('server killed', name, seed, traffic, verdict);
    console.log(told);
    console.log(`  seeding ${seeded.seconds.toFixed(1)} s, server starts ${server.starts}`);
    // A failure names its seed and what went missing (CI shows the failure, not the test's output).
    expect({ lost: verdict.lost, duplicated: verdict.duplicated, countedTwice: verdict.countedTwice, uncounted: verdict.uncounted }, told).toEqual({ lost: 0, duplicated: 0, countedTwice: 0, uncounted: 0 });
  }, 150_000);

  it('loses and duplicates nothing when the database is SIGKILLed mid-traffic, and answers 5xx through a long outage', { timeout: 180_000 }, async () => {
    console.log(`[fault test] database killed: seed ${seed} (CRASH_SEED=${seed} repeats it)`);
    const rng = new Rng(seed ^ 0x5bd1e995);
    const fakes: Fakes = await startFakes();
    cleanups.push(() => fakes.close());
    const dataDir = await mkdtemp(path.join(tmpdir(), 'fault-ferretdb-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const database: FerretDbProcess = await startFerretDbProcess({ cacheDir: process.env.FERRETDB_CACHE_DIR ?? path.resolve('.cache'), dataDir });
    cleanups.push(() => database.kill('SIGTERM'));
    const dbName = uniqueDbName('crash_db');
    const server: ServerProcess = await startServerProcess(serverEnv(fakes, withDbName(database.uri, dbName)), await freePort());
    cleanups.push(() => server.stop());

    const seeded = await seedSurveys(server, fakes);
    const traffic = await sendWithCrashes(
      server,
      seeded.answers,
      {
        kill: () => database.kill(),
        // The server stays up: during the outage its webhooks fail, so the providers retry.
        restart: async () => {
          await database.restart();
          await server.waitReady(20_000);
        },
        outageMs: [200, 1_500],
        pauseWhileDown: false,
      },
      rng,
      killsFor(rng),
    );
    const verdict = await verify(database.uri, dbName, fakes, seeded, traffic.killTimes);
    const told = report('database killed', 'ferretdb', seed, traffic, verdict);
    console.log(told);
    console.log(`  seeding ${seeded.seconds.toFixed(1)} s, server starts ${server.starts}`);

    // Then an outage longer than the driver waits, while 24 more customers reply: during it every
    // webhook answers 5xx (so the provider retries) and /readyz 503; after the retries nothing is lost.
    const countedBefore = await countedSoFar(database.uri, dbName);
    const batch = await seedSurveys(server, fakes, { count: 24 }, 100);
    const outage = await longOutage(server, database, batch);
    const after = await verify(database.uri, dbName, fakes, batch, [], countedBefore);
    console.log(`database outage: webhooks answered during it ${outage.answeredDuring}, 5xx ${outage.fivexx}, other ${outage.answeredDuring - outage.fivexx}; /readyz probes ${outage.probes}, 503 ${outage.readyz503}`);
    console.log(`database outage on ferretdb: answers ${after.answers}, lost ${after.lost}, duplicated ${after.duplicated}, counted twice ${after.countedTwice}, uncounted ${after.uncounted}`);
    console.log(`  outage ${outage.outageSeconds.toFixed(1)} s; the slowest 5xx came ${outage.slowestSeconds.toFixed(1)} s into it${after.examples.length ? `; e.g. ${after.examples.join('; ')}` : ''}`);
    expect({ lost: verdict.lost, duplicated: verdict.duplicated, countedTwice: verdict.countedTwice, uncounted: verdict.uncounted }, told).toEqual({ lost: 0, duplicated: 0, countedTwice: 0, uncounted: 0 });
    expect(outage.answeredDuring).toBeGreaterThan(0);
    expect(outage.probes).toBeGreaterThan(0);
    expect({ notFivexx: outage.answeredDuring - outage.fivexx, readyzNot503: outage.probes - outage.readyz503, lost: after.lost, duplicated: after.duplicated, countedTwice: after.countedTwice, uncounted: after.uncounted }).toEqual({
      notFivexx: 0,
      readyzNot503: 0,
      lost: 0,
      duplicated: 0,
      countedTwice: 0,
      uncounted: 0,
    });
  });
});
