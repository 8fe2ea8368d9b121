/**
 * Peak RSS of the server under load, run from source through tsx (`npm start`) and compiled
 * (`npm run build`, `npm run start:prod`), side by side on one database. Needs `npm run build` first.
 *   node --import tsx bench/peak-rss.ts [seconds]
 * Load: web chat conversations (start, score, comment) from 16 concurrent visitors.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../src/store/embedded-database.js';
import { startMongoJavaServer } from '../test/helpers/mongo-java-server.js';
import { httpRequest } from '../test/faults/http.js';
import { repoRoot, rssMiB, rssSampler, sigkill, sleep, track } from './lib/processes.js';
import { accountSid, authToken, botNumber, publicUrl, startFakes, telegramToken, webhookSecret, withDbName } from './lib/product.js';

const seconds = Number(process.argv[2] ?? 30);
const fakes = await startFakes();
const db = await startMongoJavaServer({ cacheDir: path.join(repoRoot, '.cache') });

async function measure(label: string, args: string[], channels: 'all' | 'web'): Promise<{ label: string; idleMiB: number; peakMiB: number; conversations: number }> {
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'production', SECRETS_KEY: 'ef'.repeat(32), HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn',
    MONGODB_URI: withDbName(db.uri, `rss_${label.replace(/\W+/g, '_')}`), SEND_WINDOW: '00:00-24:00', THROTTLE_DAYS: '0', SWEEP_INTERVAL: '0', PUBLIC_URL: publicUrl,
    ...(channels === 'all'
      ? { TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken, TWILIO_FROM: botNumber, TWILIO_API_BASE_URL: fakes.twilio.baseUrl, TELEGRAM_BOT_TOKEN: telegramToken, TELEGRAM_WEBHOOK_SECRET: webhookSecret, TELEGRAM_API_ROOT: fakes.telegram.url }
      : {}),
  };
  const child = track(spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'ignore', 'inherit'] }));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const res = await httpRequest('GET', `${url}/readyz`, { timeoutMs: 3_000 });
    if ('status' in res && res.status === 200) break;
    if (i > 600) throw new Error(`${label}: not ready`);
    await sleep(100);
  }
  await sleep(2_000);
  const idleMiB = rssMiB(child.pid!);
  const sampler = rssSampler(child.pid!, 200);
  const until = Date.now() + seconds * 1000;
  let conversations = 0;
  const post = (p: string, body: unknown) => fetch(`${url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<{ visitorId?: string }>);
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (Date.now() < until) {
      const { visitorId } = await post('/chat/api/visitors', { kind: 'nps' });
      await post(`/chat/api/visitors/${visitorId}/messages`, { messageId: 'm1', text: '9' });
      await post(`/chat/api/visitors/${visitorId}/messages`, { messageId: 'm2', text: 'Friendly and quick' });
      conversations++;
    }
  }));
  sampler.stop();
  await sigkill(child);
  return { label, idleMiB, peakMiB: Math.max(...sampler.samples.map((s) => s.mib)), conversations };
}

const rows = [
  await measure('tsx (npm start), web+sms+telegram', ['--import', 'tsx', 'src/server.ts'], 'all'),
  await measure('compiled (npm run start:prod), web+sms+telegram', ['dist/server.js'], 'all'),
  await measure('compiled, web chat only (no SDK loaded)', ['dist/server.js'], 'web'),
];
for (const r of rows) console.log(`${r.label}: idle ${r.idleMiB.toFixed(1)} MiB, peak ${r.peakMiB.toFixed(1)} MiB under load (${r.conversations} conversations in ${seconds} s)`);
await db.stop();
await fakes.close();
