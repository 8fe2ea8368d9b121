/**
 * A database outage longer than the driver waits (its own FerretDB, SIGKILLed, restarted on the same
 * data 8 s later) while 40 customers (SMS and Telegram) reply. During the outage every webhook must
 * answer 5xx, so the provider retries, and /readyz must say 503; once the database is back the
 * providers' retries are replayed and every answer must be stored once, with nothing half-written:
 *   database outage: webhooks answered during it 40, 5xx 40, other 0; /readyz probes 5, 503 5
 *   database outage: answers 40, lost 0, duplicated 0
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/store/embedded-database.js';
import { expectZero, figure } from '../attacks/figures.js';
import { uniqueDbName } from '../helpers/database.js';
import { sleep } from './children.js';
import { seedSurveys, serverEnv, startFakes, verify, withDbName, type Answer, type Fakes } from './crash-rig.js';
import { startFerretDbProcess, type FerretDbProcess } from './ferretdb-process.js';
import { httpRequest, is2xx, type HttpResult } from './http.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => console.error('fault test cleanup:', err));
});

const outageMs = 8_000;

async function deliver(server: ServerProcess, a: Answer): Promise<HttpResult> {
  const result = await httpRequest('POST', `${server.url}${a.path}`, { headers: a.headers, body: a.body, timeoutMs: 20_000 });
  a.deliveries.push({ ...result, at: Date.now() });
  if (a.channel === 'sms' && is2xx(result)) a.twimlReplies += (result.body.match(/<Message>/g) ?? []).length;
  return result;
}

describe('database outage', () => {
  it('webhooks answer 5xx and /readyz 503 while the database is down; after the retries nothing is lost', { timeout: 120_000 }, async () => {
    const fakes: Fakes = await startFakes();
    cleanups.push(() => fakes.close());
    const dataDir = await mkdtemp(path.join(tmpdir(), 'fault-outage-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const database: FerretDbProcess = await startFerretDbProcess({ cacheDir: process.env.FERRETDB_CACHE_DIR ?? path.resolve('.cache'), dataDir });
    cleanups.push(() => database.stop());
    const dbName = uniqueDbName('outage');
    const server = await startServerProcess(serverEnv(fakes, withDbName(database.uri, dbName)), await freePort());
    cleanups.push(() => server.stop());
    const seeded = await seedSurveys(server, fakes, 40);

    await database.kill();
    const downFrom = Date.now();
    let up = false;
    // /readyz every 250 ms while the database is down.
    const probes: HttpResult[] = [];
    const prober = (async () => {
      while (!up && Date.now() - downFrom < outageMs) {
        const res = await httpRequest('GET', `${server.url}/readyz`, { timeoutMs: 5_000 });
        if (!up) probes.push(res);
        await sleep(250);
      }
    })();
    // Every customer replies now, all at once.
    const first = Promise.all(seeded.answers.map((a) => deliver(server, a)));
    await Promise.race([first, sleep(outageMs)]);
    await sleep(Math.max(0, downFrom + outageMs - Date.now()));
    up = true;
    const upAt = Date.now();
    await prober;
    await database.restart();
    await server.waitReady(30_000);
    await first;

    // What was answered while the database was down (the driver gives up on it after seconds).
    const during = seeded.answers.map((a) => a.deliveries[0]!).filter((d) => d.at < upAt);
    const status = (d: HttpResult) => ('status' in d ? d.status : 0);
    const fivexx = during.filter((d) => status(d) >= 500).length;
    const readyz503 = probes.filter((p) => status(p) === 503).length;

    // The providers retry what got no 2xx, then some accepted ones again, as they do.
    for (const pause of [0, 500, 1_000, 2_000, 4_000]) {
      const pending = seeded.answers.filter((a) => !a.deliveries.some(is2xx));
      if (pending.length === 0) break;
      await sleep(pause);
      await Promise.all(pending.map((a) => deliver(server, a)));
    }
    for (const a of seeded.answers.filter((_, i) => i % 5 === 0)) await deliver(server, a);

    const verdict = await verify(database.uri, dbName, fakes, seeded);
    figure(`database outage: webhooks answered during it ${during.length}, 5xx ${fivexx}, other ${during.length - fivexx}; /readyz probes ${probes.length}, 503 ${readyz503}`);
    figure(`database outage: answers ${verdict.answers}, lost ${verdict.lost}, duplicated ${verdict.duplicated}`);
    const slowest = Math.max(...during.map((d) => d.at - downFrom));
    figure(`  outage ${((upAt - downFrom) / 1000).toFixed(1)} s; slowest 5xx after ${(slowest / 1000).toFixed(1)} s; never accepted ${seeded.answers.filter((a) => !a.deliveries.some(is2xx)).length}; ${verdict.examples.join('; ')}`);
    expect(during.length).toBeGreaterThan(0);
    expect(probes.length).toBeGreaterThan(0);
    expectZero('database outage', {
      notFivexxDuringOutage: during.length - fivexx,
      readyzNot503: probes.length - readyz503,
      lost: verdict.lost,
      duplicated: verdict.duplicated,
    });
  });
});
