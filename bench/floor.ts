/**
 * The floor: the database work of the replies and nothing else. Replays, with the raw driver, the
 * exact commands the product sent for one reply (recorded on the wire, ids swapped for another
 * customer's), each reply's commands one after another, `concurrency` replies at a time, on the same
 * database. Prints one JSON line.
 *   node --import tsx bench/floor.ts <spec.ejson>
 */
import { readFileSync } from 'node:fs';
import mongoose from 'mongoose';
import type { Document } from 'mongodb';
import { cpuMs } from './lib/processes.js';

export interface FloorSpec {
  uri: string;
  dbName: string;
  concurrency: number;
  /** Phases in order (score replies, then comment replies); each reply is a list of commands. */
  phases: Array<{ name: string; replies: Document[][]; warmUp?: boolean }>;
  /** Other processes whose CPU time to read at the start and end of each phase (the database). */
  watch: Record<string, number>;
}

export interface FloorPhase {
  name: string;
  replies: number;
  seconds: number;
  perSecond: number;
  latencyMs: { p50: number; p99: number };
  /** Every reply's latency, ms (so halves run apart can be combined). */
  latencies: number[];
  /** Commands that matched nothing (a write that changed no document, a read that found none): must be 0. */
  misses: number;
  /** Which commands missed, by position and name. */
  missed: Record<string, number>;
  /** CPU ms over the phase: `floor` is this process (the driver's work), the others as watched. */
  cpuMs: Record<string, number>;
}

// The driver the product runs on: the one mongoose bundles.
const { BSON, MongoClient } = mongoose.mongo;
const spec = BSON.EJSON.parse(readFileSync(process.argv[2]!, 'utf8'), { relaxed: false }) as unknown as FloorSpec;
// The product's pool settings (src/plugins/database.ts).
const client = await MongoClient.connect(spec.uri, { maxPoolSize: 20, serverSelectionTimeoutMS: 5_000 });
const db = client.db(spec.dbName);
await db.command({ ping: 1 });

/**
 * Did the command do its work? A replay that matches nothing would be a floor that is too low. The
 * reply's first read must find its survey; later reads may rightly find nothing (no owners to alert).
 */
function matched(name: string, res: Document, first: boolean): boolean {
  if (name === 'find') return !first || ((res.cursor as { firstBatch?: unknown[] } | undefined)?.firstBatch?.length ?? 0) > 0;
  if (name === 'findAndModify') return res.value !== null && res.value !== undefined;
  if (name === 'update') return Number(res.n ?? 0) > 0;
  if (name === 'insert') return Number(res.n ?? 0) > 0;
  return true;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const out: FloorPhase[] = [];
for (const phase of spec.phases) {
  const latencies: number[] = [];
  let misses = 0;
  const missed: Record<string, number> = {};
  let next = 0;
  const cpuAt = () => ({ floor: (process.cpuUsage().user + process.cpuUsage().system) / 1000, ...Object.fromEntries(Object.entries(spec.watch).map(([k, pid]) => [k, cpuMs(pid)])) });
  const cpuStart = cpuAt();
  const started = performance.now();
  const worker = async () => {
    while (next < phase.replies.length) {
      const reply = phase.replies[next++]!;
      const t = performance.now();
      for (const [i, command] of reply.entries()) {
        const res = await db.command(command);
        if (!matched(Object.keys(command)[0]!, res, i === 0)) {
          misses++;
          const key = `${i}:${Object.keys(command)[0]}${res.writeErrors ? ` ${JSON.stringify(res.writeErrors).slice(0, 120)}` : ''}`;
          missed[key] = (missed[key] ?? 0) + 1;
        }
      }
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: Math.min(spec.concurrency, phase.replies.length) }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cpuEnd = cpuAt();
  const cpu = Object.fromEntries(Object.entries(cpuEnd).map(([k, v]) => [k, v - (cpuStart[k as keyof typeof cpuStart] ?? 0)]));
  latencies.sort((a, b) => a - b);
  if (!phase.warmUp) out.push({ name: phase.name, replies: phase.replies.length, seconds, perSecond: phase.replies.length / seconds, latencyMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) }, latencies: latencies.map((l) => Math.round(l * 100) / 100), misses, missed, cpuMs: cpu });
}
await client.close();
console.log(JSON.stringify(out));
