/**
 * Crash fault test ("One inbound pipeline on a storage seam"): a server in a child process, then the
 * database, is SIGKILLed at random moments while 100 customers (50 SMS, 50 Telegram) reply with
 * their score; the providers' retries are then replayed. Every answer must be stored exactly once
 * and every customer must get the follow-up exactly once:
 *   crash (server killed): answers 100, lost 0, duplicated 0
 * The database phase ends with an outage longer than the driver waits (see outage.ts):
 *   database outage: webhooks answered during it 24, 5xx 24, other 0; /readyz probes 5, 503 5
 *   database outage: answers 24, lost 0, duplicated 0
 * CRASH_SEED=<n> repeats a run's kill moments; CRASH_KILLS=0 runs it without kills.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/store/embedded-database.js';
import { databaseUri, uniqueDbName } from '../helpers/database.js';
import { Rng, seedSurveys, serverEnv, startFakes, withDbName, type Fakes } from './crash-rig.js';
import { sendWithCrashes } from './crash-traffic.js';
import { countedScores, report, verify } from './crash-verdict.js';
import { startFerretDbProcess, type FerretDbProcess } from '../helpers/ferretdb-process.js';
import { longOutage } from './outage.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

const seed = Number(process.env.CRASH_SEED ?? Date.now() % 2_147_483_647);
/** Kills per phase: 2 or 3 by the seed; CRASH_KILLS=0 runs the same traffic without crashes (checks the counting). */
const killsFor = (rng: Rng) => (process.env.CRASH_KILLS ? Number(process.env.CRASH_KILLS) : rng.int(2, 3));

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => console.error('fault test cleanup:', err));
});

describe('crash and retry', () => {
  it('loses and duplicates nothing when the server is SIGKILLed mid-traffic', { timeout: 100_000 }, async () => {
    console.log(`[fault test] server killed: seed ${seed} (CRASH_SEED=${seed} repeats it)`);
    const rng = new Rng(seed);
    const fakes: Fakes = await startFakes();
    cleanups.push(() => fakes.close());
    const uri = databaseUri();
    const dbName = uniqueDbName('crash_server');
    cleanups.push(async () => {
      const conn = await mongoose.createConnection(uri, { dbName, serverSelectionTimeoutMS: 5_000 }).asPromise();
      await conn.dropDatabase().catch(() => {});
      await conn.close();
    });
    const server: ServerProcess = await startServerProcess(serverEnv(fakes, withDbName(uri, dbName)), await freePort());
    cleanups.push(() => server.stop());

    const seeded = await seedSurveys(server, fakes);
    const traffic = await sendWithCrashes(
      server,
      seeded.answers,
      { kill: () => server.kill(), restart: () => server.restart(), outageMs: [0, 0], pauseWhileDown: true },
      rng,
      killsFor(rng),
    );
    const verdict = await verify(uri, dbName, fakes, seeded, traffic.killTimes);
    console.log(report('server killed', seed, traffic, verdict));
    console.log(`  seeding ${seeded.seconds.toFixed(1)} s, server starts ${server.starts}`);
    expect({ lost: verdict.lost, duplicated: verdict.duplicated }).toEqual({ lost: 0, duplicated: 0 });
  });

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
    console.log(report('database killed', seed, traffic, verdict));
    console.log(`  seeding ${seeded.seconds.toFixed(1)} s, server starts ${server.starts}`);

    // Then an outage longer than the driver waits, while 24 more customers reply: during it every
    // webhook answers 5xx (so the provider retries) and /readyz 503; after the retries nothing is lost.
    const countedBefore = await countedScores(database.uri, dbName);
    const batch = await seedSurveys(server, fakes, 24, 100);
    const outage = await longOutage(server, database, batch);
    const after = await verify(database.uri, dbName, fakes, batch, [], countedBefore);
    console.log(`database outage: webhooks answered during it ${outage.answeredDuring}, 5xx ${outage.fivexx}, other ${outage.answeredDuring - outage.fivexx}; /readyz probes ${outage.probes}, 503 ${outage.readyz503}`);
    console.log(`database outage: answers ${after.answers}, lost ${after.lost}, duplicated ${after.duplicated}`);
    console.log(`  outage ${outage.outageSeconds.toFixed(1)} s; the slowest 5xx came ${outage.slowestSeconds.toFixed(1)} s into it${after.examples.length ? `; e.g. ${after.examples.join('; ')}` : ''}`);
    expect({ lost: verdict.lost, duplicated: verdict.duplicated }).toEqual({ lost: 0, duplicated: 0 });
    expect(outage.answeredDuring).toBeGreaterThan(0);
    expect(outage.probes).toBeGreaterThan(0);
    expect({ notFivexx: outage.answeredDuring - outage.fivexx, readyzNot503: outage.probes - outage.readyz503, lost: after.lost, duplicated: after.duplicated }).toEqual({
      notFivexx: 0,
      readyzNot503: 0,
      lost: 0,
      duplicated: 0,
    });
  });
});
