import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Connection } from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../src/plugins/database.js';
import { databaseEngine, databaseUri, ferretDbUri, startFerretDbProcess, uniqueDbName, type FerretDbProcess } from '../helpers/database.js';

// The harness itself: what the rest of the suite relies on from each server.
const opened: Connection[] = [];
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await Promise.all(opened.map((c) => c.close()));
});

async function collection(uri: string, label: string) {
  const conn = await connectDatabase({ uri, dbName: uniqueDbName(label) });
  opened.push(conn);
  cleanups.push(() => conn.dropDatabase().catch(() => {}));
  return conn.collection<{ _id: string; n: number; rev: number }>('counters');
}

describe("the suite's server", () => {
  it('is atomic per document, as MongoDB is', async () => {
    expect(['mongo-java-server', 'mongodb-memory-server', 'external (MONGODB_URI)']).toContain(databaseEngine());
    const counters = await collection(databaseUri(), 'atomic');
    await counters.insertOne({ _id: 'c', n: 0, rev: 0 });

    // FerretDB 1.24 loses most of these; a server where this fails cannot test concurrency.
    await Promise.all(Array.from({ length: 40 }, () => counters.updateOne({ _id: 'c' }, { $inc: { n: 1 } })));
    const claims = await Promise.all(
      Array.from({ length: 40 }, () => counters.updateOne({ _id: 'c', rev: 0 }, { $inc: { rev: 1 } })),
    );

    const why = `${databaseEngine()} is not atomic per document; the suite needs a server that is`;
    expect((await counters.findOne({ _id: 'c' }))?.n, why).toBe(40);
    expect(claims.filter((r) => r.modifiedCount === 1), why).toHaveLength(1);
  });
});

describe('FerretDB for the tests that need it', () => {
  it('the shared one answers', async () => {
    const counters = await collection(ferretDbUri(), 'ferret');
    await counters.insertOne({ _id: 'f', n: 1, rev: 0 });
    expect(await counters.countDocuments()).toBe(1);
  });

  it('a separate process keeps acknowledged writes across a SIGKILL and a restart', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'ferretdb-crash-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const ferret: FerretDbProcess = await startFerretDbProcess({ dataDir });
    cleanups.push(() => ferret.kill());
    const counters = await collection(ferret.uri, 'crash');
    await counters.insertOne({ _id: 'kept', n: 7, rev: 0 });

    await ferret.kill('SIGKILL');
    await expect(counters.findOne({ _id: 'kept' }, { maxTimeMS: 500 })).rejects.toThrow();
    await ferret.restart();

    // The driver reconnects on its own: the same connection reads what was written before the crash.
    expect((await counters.findOne({ _id: 'kept' }))?.n).toBe(7);
  }, 30_000);
});
