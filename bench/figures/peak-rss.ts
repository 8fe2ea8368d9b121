/**
 * Figure 5c: peak RSS of the server under load, compiled (`npm run build`, `npm run start:prod`)
 * beside the same code run from source through tsx (`npm start`), in the same run on one database.
 * Load: web chat conversations (start, score, comment) from 16 concurrent visitors for `seconds`.
 * The build is made first, from this checkout, so the compiled server is the code measured.
 */
import { freePort } from '../../src/store/embedded-database.js';
import { cpuMs, rssMiB, rssSampler, sleep, startNodeChild } from '../lib/processes.js';
import { buildProduct, productionFlags, serverEnv, withDbName, type Fakes } from '../lib/product.js';

export interface RssRow {
  label: string;
  compiled: boolean;
  channels: 'web, SMS, Telegram' | 'web chat only';
  /** V8 flags besides `--enable-source-maps` (production's `--max-old-space-size`, or none). */
  v8Flags: readonly string[];
  idleMiB: number;
  peakMiB: number;
  conversations: number;
  /** The server's CPU (/proc) over the load, per conversation: what a flag that saves memory costs. */
  cpuMsPerConversation: number;
}

export interface RssFigures {
  database: string;
  seconds: number;
  buildSeconds: number;
  rows: RssRow[];
}

async function measure(uri: string, fakes: Fakes, seconds: number, row: Omit<RssRow, 'idleMiB' | 'peakMiB' | 'conversations' | 'cpuMsPerConversation'>): Promise<RssRow> {
  const port = await freePort();
  // The bench's production settings (`serverEnv`: NODE_ENV development only because production
  // refuses the providers' stand-ins), the web answer limits off (every visitor comes from loopback);
  // with the web chat alone, no provider is configured at all.
  const all = serverEnv(fakes, withDbName(uri, `bench_rss_${row.compiled ? 'compiled' : 'tsx'}_${row.channels === 'web chat only' ? 'web' : 'all'}${row.v8Flags.length ? '_flags' : ''}`), port, 'production', { LOG_LEVEL: 'warn', WEB_ANSWERS_PER_NETWORK: '1000000', WEB_ANSWERS_PER_DEVICE: '100000' });
  const env = row.channels === 'web chat only' ? Object.fromEntries(Object.entries(all).filter(([k]) => !/^(TWILIO|TELEGRAM|SMS)_/.test(k))) : all;
  const server = row.compiled
    ? await startNodeChild('dist/server.js', env, { port, nodeArgs: [...row.v8Flags, '--enable-source-maps'], loader: false })
    : await startNodeChild('src/server.ts', env, { port, nodeArgs: [...row.v8Flags] });
  const { child, url } = server;
  try {
    await sleep(2_000);
    const idleMiB = rssMiB(child.pid!);
    const sampler = rssSampler(child.pid!, 200);
    const cpuBefore = cpuMs(child.pid!);
    const until = Date.now() + seconds * 1000;
    let conversations = 0;
    const post = async (p: string, body: unknown) => {
      const res = await fetch(`${url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${row.label}: ${p} answered ${res.status}`);
      return (await res.json()) as { visitorId?: string };
    };
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (Date.now() < until) {
          const { visitorId } = await post('/chat/api/visitors', { kind: 'nps' });
          await post(`/chat/api/visitors/${visitorId}/messages`, { messageId: 'm1', text: '9' });
          await post(`/chat/api/visitors/${visitorId}/messages`, { messageId: 'm2', text: 'Friendly and quick' });
          conversations++;
        }
      }),
    );
    const cpuMsPerConversation = (cpuMs(child.pid!) - cpuBefore) / conversations;
    sampler.stop();
    return { ...row, idleMiB, peakMiB: Math.max(...sampler.samples.map((s) => s.mib)), conversations, cpuMsPerConversation };
  } finally {
    await server.stop();
  }
}

/**
 * Build, then the server from source (the baseline), compiled as production starts it (its heap
 * limit), the same with the web chat alone, and compiled with no flag (V8's default heap limit,
 * a quarter of the machine's memory here, as before the limit was set).
 */
export async function benchPeakRss(database: { uri: string; engine: string }, fakes: Fakes, seconds: number, log: (line: string) => void): Promise<RssFigures> {
  const buildSeconds = await buildProduct();
  log(`rss: built in ${buildSeconds.toFixed(1)} s`);
  const rows: RssRow[] = [];
  const production = productionFlags();
  const rowsToRun: Array<Omit<RssRow, 'idleMiB' | 'peakMiB' | 'conversations' | 'cpuMsPerConversation'>> = [
    { label: 'from source (tsx, npm start)', compiled: false, channels: 'web, SMS, Telegram', v8Flags: [] },
    { label: 'compiled (npm run start:prod)', compiled: true, channels: 'web, SMS, Telegram', v8Flags: production },
    { label: 'compiled, no channel SDK loaded', compiled: true, channels: 'web chat only', v8Flags: production },
    { label: 'compiled, no flag (V8 default heap limit)', compiled: true, channels: 'web, SMS, Telegram', v8Flags: [] },
  ];
  for (const row of rowsToRun) {
    const measured = await measure(database.uri, fakes, seconds, row);
    log(`rss: ${row.label}, ${row.channels}: idle ${measured.idleMiB.toFixed(1)} MiB, peak ${measured.peakMiB.toFixed(1)} MiB (${measured.conversations} conversations in ${seconds} s, ${measured.cpuMsPerConversation.toFixed(1)} ms of CPU each)`);
    rows.push(measured);
  }
  return { database: database.engine, seconds, buildSeconds, rows };
}
