import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { databaseUri, uniqueDbName } from '../helpers/database.js';

const client = new MongoClient(databaseUri());
const opened: TestServer[] = [];
afterAll(async () => {
  for (const server of opened) await server.close();
  await client.close();
});

/** Messages an earlier version stored, with no index on the collection yet (an upgrade adds it). */
async function seedInbound(dbName: string, count: number, duplicate = false): Promise<void> {
  const inbound = client.db(dbName).collection('inbound');
  const receivedAt = new Date('2026-11-01T00:00:00Z');
  for (let from = 0; from < count; from += 5_000) {
    const docs = Array.from({ length: Math.min(5_000, count - from) }, (_, i) => ({
      businessId: 'default',
      channel: 'sms',
      providerMessageId: `SM${(from + i).toString(16).padStart(32, '0')}`,
      receivedAt,
    }));
    await inbound.insertMany(docs, { ordered: false });
  }
  if (duplicate) await inbound.insertOne({ businessId: 'default', channel: 'sms', providerMessageId: `SM${'0'.repeat(32)}`, receivedAt });
}

async function waitForReady(server: TestServer, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let status = 0;
  while (Date.now() < deadline && status !== 200) {
    status = (await server.app.inject('/readyz')).statusCode;
    if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return status;
}

describe('start-up over a large collection', () => {
  it('listens before an index build that outlasts the plugin time limit, and is ready once it ends', async () => {
    const dbName = uniqueDbName('large_upgrade');
    await seedInbound(dbName, 300_000);
    // Below the build's time even on an idle machine, above what a plugin takes to start: 150,000 messages
    // took 1.0-1.8 s to index, and once under 1 s, so twice that many.
    const pluginTimeout = 1_000;
    const started = Date.now();
    const server = await buildTestServer({}, { dbName, pluginTimeout, waitForIndexes: false });
    opened.push(server);
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    const startedInMs = Date.now() - started;

    const first = await server.app.inject('/readyz');
    const firstState = server.app.store.indexes.state;
    expect(first.statusCode).toBe(503);
    expect(first.json()).toEqual({ status: 'starting', reason: 'indexes: building' });
    expect(firstState).toBe('building');
    expect((await server.app.inject('/healthz')).statusCode).toBe(200);

    expect(await waitForReady(server, 120_000)).toBe(200);
    const indexes = server.app.store.indexes;
    console.log(`start-up over 300,000 stored messages: started in ${startedInMs} ms, indexes built in ${indexes.tookMs} ms (plugin limit ${pluginTimeout} ms)`);
    // The build alone took longer than a plugin may take to start: before, the server exited here.
    expect(indexes.tookMs).toBeGreaterThan(pluginTimeout);
    const names = (await client.db(dbName).collection('inbound').indexes()).map((index) => index.name);
    expect(names).toContain('business_message');
    expect((await server.app.inject('/chat')).statusCode).toBe(200);
    await client.db(dbName).dropDatabase();
  }, 180_000);

  it('keeps /readyz at 503 with the reason and turns requests away when an index cannot be built', async () => {
    const dbName = uniqueDbName('failed_index');
    await seedInbound(dbName, 3, true);
    const server = await buildTestServer({}, { dbName, waitForIndexes: false });
    opened.push(server);
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    await server.app.store.indexes.start();

    const ready = await server.app.inject('/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json().reason).toBe('indexes: duplicate key in index business_message: stored data breaks a unique index');
    const page = await server.app.inject('/chat');
    expect(page.statusCode).toBe(503);
    expect(page.headers['retry-after']).toBe('10');
    expect(page.json().error).toBe('starting');
    expect((await server.app.inject('/healthz')).statusCode).toBe(200);
  }, 60_000);
});

describe('an upgrade that replaces an index', () => {
  it('drops the digest comments\' index of the version before and builds the one that ends in _id', async () => {
    const dbName = uniqueDbName('replaced_index');
    const surveys = client.db(dbName).collection('surveys');
    await surveys.createIndex({ businessId: 1, week: 1, kind: 1, score: 1 });
    expect((await surveys.indexes()).map((index) => index.name)).toContain('businessId_1_week_1_kind_1_score_1');
    const server = await buildTestServer({}, { dbName });
    opened.push(server);
    const names = (await surveys.indexes()).map((index) => index.name);
    expect(names).not.toContain('businessId_1_week_1_kind_1_score_1');
    expect(names).toContain('businessId_1_week_1_kind_1_score_1__id_1');
    expect(names).toContain('businessId_1_week_1__id_1');
  }, 60_000);
});
