/**
 * Benchmarks, bounded in count and time, loopback only. Results go to bench/results.json.
 *   npm run bench
 * 1. dialog: pure `step` calls per second (score + comment for every kind).
 * 2. conversations: full web-chat surveys (start, score, comment) through Fastify and the real
 *    database, run 8 at a time; latency percentiles per inbound message and memory after.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startDialog, step } from '../src/dialogs/index.js';
import { loadConfig } from '../src/config.js';
import { buildServer } from '../src/server.js';
import { startEmbeddedDatabase } from '../src/store/embedded-database.js';

const policy = { reminderAfterMs: 86_400_000, ttlMs: 3 * 86_400_000 };

function benchDialog(iterations: number) {
  const now = new Date('2026-03-10T15:00:00Z');
  const started = performance.now();
  for (let i = 0; i < iterations; i++) {
    const kind = (['nps', 'csat', 'ces'] as const)[i % 3]!;
    const { session } = startDialog({ kind, locale: 'en', vars: { business: 'Acme' }, now });
    const scored = step(session, { type: 'text', text: 'I would say 4' }, now, policy);
    step(scored.session, { type: 'text', text: 'friendly and quick' }, now, policy);
  }
  const seconds = (performance.now() - started) / 1000;
  return { conversations: iterations, stepsPerSecond: Math.round((iterations * 2) / seconds) };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

async function benchConversations(count: number, concurrency: number) {
  const external = process.env.MONGODB_URI;
  const db = external ? undefined : await startEmbeddedDatabase({ cacheDir: path.resolve('.cache') });
  const uri = external ?? db!.uri;
  const app = await buildServer(loadConfig({ NODE_ENV: 'test', MONGODB_URI: uri, SWEEP_INTERVAL: '0' }), { logLevel: process.env.BENCH_LOG ?? 'silent', dbName: `bench_${Date.now()}` });
  const latencies: number[] = [];
  const timed = async (url: string, payload: object) => {
    const t = performance.now();
    const res = await app.inject({ method: 'POST', url, payload });
    latencies.push(performance.now() - t);
    if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const { visitorId } = await timed('/chat/api/visitors', { kind: 'nps' });
      await timed(`/chat/api/visitors/${visitorId}/messages`, { messageId: '1', text: '9' });
      await timed(`/chat/api/visitors/${visitorId}/messages`, { messageId: '2', text: 'great service' });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const completed = await app.store.surveys.model.countDocuments({ state: 'completed' });
  await app.db.dropDatabase();
  await app.close();
  await db?.stop();
  latencies.sort((a, b) => a - b);
  return {
    database: external ? 'MONGODB_URI' : db!.engine,
    conversations: count,
    completed,
    concurrency,
    conversationsPerSecond: Math.round((count / seconds) * 10) / 10,
    requestMs: { p50: Math.round(percentile(latencies, 0.5)), p95: Math.round(percentile(latencies, 0.95)), p99: Math.round(percentile(latencies, 0.99)) },
    rssMiB: Math.round(process.memoryUsage().rss / 1_048_576),
    heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 1_048_576),
  };
}

const results = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: (await import('node:os')).cpus().length,
  dialog: benchDialog(20_000),
  conversations: await benchConversations(Number(process.env.BENCH_CONVERSATIONS ?? 300), 8),
};
writeFileSync(path.resolve('bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
