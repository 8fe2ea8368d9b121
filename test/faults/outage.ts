/**
 * A database outage longer than the driver waits: the database is SIGKILLed and started again 8 s
 * later while every customer of a batch replies at once. What the webhooks and /readyz answered
 * while it was down, then the providers' retries once it is back.
 */
import { sleep } from './children.js';
import type { Answer, Seeded } from './crash-rig.js';
import type { FerretDbProcess } from '../helpers/ferretdb-process.js';
import { httpRequest, is2xx, type HttpResult } from './http.js';
import type { ServerProcess } from './server-process.js';

const outageMs = 8_000;

export interface OutageReport {
  /** First deliveries answered while the database was down, and how many of them were 5xx. */
  answeredDuring: number;
  fivexx: number;
  /** /readyz probes answered while it was down, and how many said 503. */
  probes: number;
  readyz503: number;
  outageSeconds: number;
  slowestSeconds: number;
}

async function deliver(server: ServerProcess, a: Answer): Promise<HttpResult> {
  const from = Date.now();
  const result = await httpRequest('POST', `${server.url}${a.path}`, { headers: a.headers, body: a.body, timeoutMs: 20_000 });
  a.deliveries.push({ ...result, from, at: Date.now() });
  if (a.channel === 'sms' && is2xx(result)) a.twimlReplies += (result.body.match(/<Message>/g) ?? []).length;
  return result;
}

export async function longOutage(server: ServerProcess, database: FerretDbProcess, seeded: Seeded): Promise<OutageReport> {
  await database.kill();
  const downFrom = Date.now();
  let up = false;
  const probes: HttpResult[] = [];
  const prober = (async () => {
    while (!up && Date.now() - downFrom < outageMs) {
      const res = await httpRequest('GET', `${server.url}/readyz`, { timeoutMs: 5_000 });
      if (!up) probes.push(res);
      await sleep(250);
    }
  })();
  // Every customer of the batch replies now, all at once.
  const first = Promise.all(seeded.answers.map((a) => deliver(server, a)));
  await sleep(outageMs);
  up = true;
  const upAt = Date.now();
  await prober;
  await database.restart();
  await server.waitReady(30_000);
  await first;

  // The providers retry what got no 2xx, then deliver a fifth of the accepted ones again, as they do.
  for (const pause of [0, 500, 1_000, 2_000, 4_000]) {
    const pending = seeded.answers.filter((a) => !a.deliveries.some(is2xx));
    if (pending.length === 0) break;
    await sleep(pause);
    await Promise.all(pending.map((a) => deliver(server, a)));
  }
  for (const a of seeded.answers.filter((_, i) => i % 5 === 0)) await deliver(server, a);

  const status = (d: HttpResult) => ('status' in d ? d.status : 0);
  const during = seeded.answers.map((a) => a.deliveries[0]!).filter((d) => d.at < upAt);
  return {
    answeredDuring: during.length,
    fivexx: during.filter((d) => status(d) >= 500).length,
    probes: probes.length,
    readyz503: probes.filter((p) => status(p) === 503).length,
    outageSeconds: (upAt - downFrom) / 1000,
    slowestSeconds: Math.max(0, ...during.map((d) => d.at - downFrom)) / 1000,
  };
}
