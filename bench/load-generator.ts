/**
 * The load generator, in a process of its own so its work is not the server's: autocannon sends
 * prepared lists of requests (each a distinct reply of a distinct customer, already signed) over
 * keep-alive connections on loopback, each request once, in list order, phase after phase. Around
 * each phase it reads the CPU time of the watched processes (the server, the database) from /proc
 * and samples the server's RSS. Prints one JSON line.
 *   node --import tsx bench/load-generator.ts <spec.json>
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { cpuMs, rssMiB } from './lib/processes.js';

export interface LoadPhase {
  name: string;
  url: string;
  connections: number;
  /** Requests per second over all connections; omitted: as fast as the server answers. */
  overallRate?: number;
  requests: Array<{ method: 'GET' | 'POST'; path: string; headers: Record<string, string>; body?: string }>;
  /** Process ids whose CPU time counts for this phase. */
  watch: Record<string, number>;
  /** Process whose RSS is sampled every 250 ms. */
  rssOf?: number;
}

export interface LoadSpec {
  phases: LoadPhase[];
  /** Wait after each phase before reading CPU: the background work a reply set going (receipts, alerts). */
  settleMs: number;
}

export interface LoadResult {
  name: string;
  sent: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  perSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** A few answers that were not 2xx. */
  refused: string[];
  cpuMs: Record<string, number>;
  rss: Array<{ t: number; mib: number }>;
}

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadSpec;
const cpuOf = (watch: Record<string, number>) => Object.fromEntries(Object.entries(watch).map(([k, pid]) => [k, cpuMs(pid)]));

async function run(phase: LoadPhase): Promise<LoadResult> {
  let next = 0;
  let ok = 0;
  const refused: string[] = [];
  const rss: LoadResult['rss'] = [];
  const t0 = Date.now();
  const sample = () => {
    try {
      if (phase.rssOf) rss.push({ t: (Date.now() - t0) / 1000, mib: rssMiB(phase.rssOf) });
    } catch {
      // the process is gone; its requests fail and say so
    }
  };
  sample();
  const sampler = setInterval(sample, 250);
  const before = cpuOf(phase.watch);
  // autocannon notices the end on its one-second tick, so its `duration` is rounded up to whole
  // seconds: the phase lasts from here to the last answer.
  const started = performance.now();
  let lastAnswer = started;
  const result = await autocannon({
    url: phase.url,
    connections: Math.min(phase.connections, phase.requests.length),
    amount: phase.requests.length,
    timeout: 60,
    ...(phase.overallRate ? { overallRate: phase.overallRate } : {}),
    requests: [
      {
        setupRequest: (request) => {
          // Each request once, in list order, over whichever connection is free.
          const r = phase.requests[Math.min(next++, phase.requests.length - 1)]!;
          return { ...request, method: r.method, path: r.path, headers: r.headers, ...(r.body !== undefined ? { body: r.body } : {}) };
        },
        onResponse: (status, body) => {
          lastAnswer = performance.now();
          if (status >= 200 && status < 300) ok++;
          else if (refused.length < 5) refused.push(`${status} ${String(body).slice(0, 200)}`);
        },
      },
    ],
  });
  const seconds = (lastAnswer - started) / 1000;
  await new Promise((r) => setTimeout(r, spec.settleMs));
  const after = cpuOf(phase.watch);
  clearInterval(sampler);
  sample();
  return {
    name: phase.name,
    sent: result.requests.sent,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds,
    perSecond: ok / seconds,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.mean },
    refused,
    cpuMs: Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k]!])),
    rss,
  };
}

const out: LoadResult[] = [];
for (const phase of spec.phases) out.push(await run(phase));
console.log(JSON.stringify(out));
