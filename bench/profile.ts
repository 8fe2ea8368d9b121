/**
 * Where a reply's Node CPU goes: the product under `node --cpu-prof`, fed signed score and comment
 * replies of one channel on mongo-java-server (or MONGODB_URI), then stopped with SIGTERM so the
 * profile is written; prints the top frames by self time and by package. Loopback only, bounded.
 *   node --import tsx bench/profile.ts [sms|telegram|web|teams] [customers]
 *   node --import tsx bench/profile.ts <file.cpuprofile>     (summarise a profile written before)
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMongoJavaServer } from '../test/helpers/mongo-java-server.js';
import { bands, cloneCustomers, connectRaw, replyRequest, startTemplate, type Channel } from './lib/customers.js';
import { phase, runLoad } from './lib/load.js';
import { startNodeChild } from './lib/processes.js';
import { serverEnv, startFakes, withDbName } from './lib/product.js';
import { freePort } from '../src/store/embedded-database.js';

const channel = (process.argv[2] ?? 'telegram') as Channel;
const count = Number(process.argv[3] ?? 400);
const log = (line: string) => console.log(`[profile] ${line}`);

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const placeOf = (url: string): string => {
  const file = url.replace(/^file:\/\//, '');
  const modules = [...file.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].at(-1)?.[1];
  return modules ?? /\/(src\/[^/]+)/.exec(file)?.[1] ?? (file.startsWith('node:') ? 'node' : file);
};

/**
 * Self time per frame and per package (or product folder), as shares of the busy samples (idle left
 * out). Node's own and native frames (a socket write, a string encoding) are named with their first
 * caller outside Node, so `writeBuffer ← mongodb` tells a driver write from a log line's.
 */
export function summarise(profile: Profile, top = 25): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const frames = new Map<string, number>();
  const places = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') continue;
    total += us;
    // Node's own and native frames are named after the first caller outside Node.
    const inNode = (u: string) => !u || u.startsWith('node:');
    let caller = parent.get(id);
    while (inNode(url) && caller !== undefined && inNode(byId.get(caller)!.callFrame.url)) caller = parent.get(caller);
    const via = inNode(url) && caller !== undefined ? placeOf(byId.get(caller)!.callFrame.url) : undefined;
    const place = !inNode(url) ? placeOf(url) : via ? `${via} (in Node)` : functionName;
    const frame = url ? `${functionName || '(anonymous)'} ${placeOf(url)}:${lineNumber + 1}${via ? ` ← ${via}` : ''}` : `${functionName} ← ${via ?? '-'}`;
    frames.set(frame, (frames.get(frame) ?? 0) + us);
    places.set(place, (places.get(place) ?? 0) + us);
  }
  const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)} %`;
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [`busy ${(total / 1000).toFixed(0)} ms; by package or folder:`, ...sorted(places).map(([k, us]) => `${pct(us)}  ${k}`), 'by frame:', ...sorted(frames).map(([k, us]) => `${pct(us)}  ${k}`)];
}

if (process.argv[2]?.endsWith('.cpuprofile')) {
  for (const line of summarise(JSON.parse(readFileSync(process.argv[2], 'utf8')) as Profile)) console.log(line);
  process.exit(0);
}

const cacheDir = process.env.FERRETDB_CACHE_DIR ?? path.resolve('.cache');
const database = process.env.MONGODB_URI ? { uri: process.env.MONGODB_URI, stop: async () => {} } : await startMongoJavaServer({ cacheDir, log, heap: '512m' });
const fakes = await startFakes();
const profileDir = mkdtempSync(path.join(tmpdir(), 'survey-profile-'));
try {
  const dbName = `profile_${channel}`;
  const { client, db } = await connectRaw(database.uri, dbName);
  await db.dropDatabase();
  const port = await freePort();
  const env = serverEnv(fakes, withDbName(database.uri, dbName), port, channel === 'teams' ? 'teams' : 'production');
  const server = await startNodeChild('src/server.ts', env, { port, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] });
  const template = await startTemplate(channel, server.url, db, fakes);
  const customers = await cloneCustomers(db, template, count, (i) => bands[i % bands.length]!.band);
  const options = { connections: 8, watch: { server: server.pid } };
  const requests = (kind: 'score' | 'comment') => customers.map((c) => replyRequest(c, kind, fakes.connector.serviceUrl));
  const runs = await runLoad([phase(`${channel} score`, server.url, requests('score'), options), phase(`${channel} comment`, server.url, requests('comment'), options)]);
  for (const r of runs) log(`${r.name}: ${r.ok}/${r.sent} answered 2xx, ${(r.cpuMs.server! / r.ok).toFixed(2)} ms CPU/reply`);
  server.child.kill('SIGTERM');
  await new Promise((resolve) => server.child.once('exit', resolve));
  await db.dropDatabase();
  await client.close();
  const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no profile written');
  log(`profile: ${path.join(profileDir, file)} (start-up included)`);
  for (const line of summarise(JSON.parse(readFileSync(path.join(profileDir, file), 'utf8')) as Profile)) console.log(line);
} finally {
  await fakes.close();
  await database.stop();
}
process.exit(0);
