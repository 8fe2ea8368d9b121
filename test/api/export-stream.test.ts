import type { AddressInfo } from 'node:net';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { databaseEngine, databaseUri } from '../helpers/database.js';
import { startMongoJavaServer, type MongoJavaServer } from '../helpers/mongo-java-server.js';

const key = 'k_test_0123456789abcdef';
const total = 100_000;
const csatEvery = 100; // every 100th survey is a CSAT one: 1,000 of them
const comment = 'The delivery came a day late and the box was dented, but the support person on the phone sorted it out quickly.';

/** One stored survey as the dialog leaves a completed one, without going through the dialog (100,000 of them). */
function surveyDoc(businessId: string, i: number) {
  const _id = new Types.ObjectId();
  const csat = i % csatEvery === 0;
  const score = csat ? 1 + (i % 5) : i % 11;
  const invitedAt = new Date(Date.UTC(2026, 0, 5) + i * 60_000);
  return {
    _id,
    businessId,
    customerId: new Types.ObjectId(),
    channel: 'sms',
    address: `+1415555${String(i % 10_000).padStart(4, '0')}`,
    kind: csat ? 'csat' : 'nps',
    state: 'completed',
    openKey: `closed:${_id.toString()}`,
    locale: 'en',
    vars: { business: 'Our shop', customerName: `Customer ${i}` },
    trigger: 'api',
    score,
    band: score <= 6 ? 'detractor' : score <= 8 ? 'passive' : 'promoter',
    comment: `${comment} #${i}`,
    invitedAt,
    answeredAt: new Date(invitedAt.getTime() + 5_000),
    completedAt: new Date(invitedAt.getTime() + 9_000),
    week: '2026-W02',
    tags: ['spring'],
  };
}

/** Read a response body as it arrives, keeping only counts: the reader holds no more than one chunk. */
async function consume(res: Response, onChunk: (text: string) => void = () => {}): Promise<{ bytes: number; newlines: number }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let bytes = 0;
  let newlines = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    const text = decoder.decode(value, { stream: true });
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) newlines++;
    onChunk(text);
  }
  return { bytes, newlines };
}

describe('streamed survey export', () => {
  let server: TestServer;
  let own: MongoJavaServer | undefined;
  let base = '';
  const headers = { 'x-api-key': key };

  beforeAll(async () => {
    // The suite's mongo-java-server holds every document in a 256 MB Java heap shared by the other test
    // files, which 100,000 surveys overflow: this file gets one of its own with room for them.
    // (FerretDB holds them, but takes minutes to insert and sort them.)
    if (databaseEngine() === 'mongo-java-server') own = await startMongoJavaServer({ cacheDir: path.resolve('.cache'), heap: '1536m' });
    server = await buildTestServer({ MONGODB_URI: own?.uri ?? databaseUri(), SWEEP_INTERVAL: '0', API_KEY: key });
    const { app } = server;
    const batch = 5_000;
    const businessId = (await app.businesses.get('default'))!.settings.id;
    for (let from = 0; from < total; from += batch) {
      const docs = Array.from({ length: batch }, (_, j) => surveyDoc(businessId, from + j));
      await app.store.surveys.model.insertMany(docs, { lean: true, ordered: false });
    }
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await own?.stop();
  });

  it('streams 100,000 surveys as CSV over HTTP with the server heap bounded', async () => {
    // The live heap, not the garbage the collector has not reached yet: collect first, then read.
    // (Garbage alone can add tens of MiB between collections, whatever the export holds.)
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const liveHeap = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    const before = liveHeap();
    let peak = before;
    let samples = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, liveHeap());
      samples++;
    }, 250);
    const started = Date.now();
    try {
      const res = await fetch(`${base}/api/v1/surveys/export?format=csv`, { headers });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      // Streamed: no length known up front, sent in chunks.
      expect(res.headers.get('transfer-encoding')).toBe('chunked');
      let first = '';
      const { bytes, newlines } = await consume(res, (text) => void (first ||= text));
      const growth = peak - before;
      const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
      console.log(`export.csv: ${newlines - 1} rows, ${mib(bytes)} in ${Date.now() - started} ms; live heap ${mib(before)} before, peak growth ${mib(growth)} over ${samples} samples`);
      expect(first.startsWith('"id","kind","channel","state","score"')).toBe(true);
      expect(newlines).toBe(total + 1); // the header and one CRLF-ended line per survey (no comment has a line break)
      // Holding the export whole needs at least its own size live in the heap (the old route built one
      // string of it, then a Buffer copy to send). Streaming holds a 500-survey cursor batch, a 64 KiB
      // piece and the sockets' buffers: a few MiB whatever the export's size. A quarter of the export
      // leaves room for the driver's and the HTTP client's own buffers and still fails an export held whole.
      expect(samples).toBeGreaterThan(10);
      expect(bytes).toBeGreaterThan(25 * 1048576);
      expect(growth).toBeLessThan(bytes / 4);
    } finally {
      clearInterval(sampler);
    }
  }, 90_000);

  it('streams JSON lines with the same fields, filtered by kind', async () => {
    const res = await fetch(`${base}/api/v1/surveys/export?format=jsonl&kind=csat`, { headers });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    let text = '';
    await consume(res, (chunk) => void (text += chunk));
    const rows = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(total / csatEvery);
    expect(rows.every((r) => r.kind === 'csat')).toBe(true);
    expect(Object.keys(rows[0]!)).toEqual(['id', 'kind', 'channel', 'state', 'score', 'band', 'comment', 'customerName', 'context', 'product', 'order', 'location', 'staff', 'trigger', 'identity', 'tags', 'invitedAt', 'answeredAt', 'completedAt', 'firstReplyAt', 'timeToFirstReplyMs', 'reason']);
    expect(rows[0]).toMatchObject({ score: 1, tags: ['spring'], context: null, invitedAt: '2026-01-05T00:00:00.000Z', comment: `${comment} #0` });
  }, 60_000);

  it('filters by invitation date and refuses a bad filter', async () => {
    const res = await fetch(`${base}/api/v1/surveys/export?format=jsonl&from=2026-01-05T00:00:00Z&to=2026-01-05T00:10:00Z`, { headers });
    const { newlines } = await consume(res);
    expect(newlines).toBe(10); // one survey a minute
    for (const query of ['kind=xyz', 'from=yesterday', 'format[$ne]=csv']) {
      const bad = await fetch(`${base}/api/v1/surveys/export?format=csv&${query}`, { headers });
      expect(bad.status).toBe(400);
    }
    expect((await fetch(`${base}/api/v1/surveys/export?format=jsonl`)).status).toBe(401);
  }, 60_000);
});
