/**
 * The product as production runs it, in a child process, with every provider faked on loopback:
 * Twilio (signed webhooks in, REST API out), Telegram (webhook with the secret header in, Bot API
 * out), the Bot Connector (Teams activities in, replies out) and the web chat.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startFakeBotConnector, type FakeBotConnector } from '../../test/helpers/fake-bot-connector.js';
import { startFakeTelegram, type FakeTelegram } from '../../test/helpers/fake-telegram.js';
import { newSid, startFakeTwilio, type FakeTwilio } from '../../test/helpers/fake-twilio.js';
import { keepTail } from '../../test/faults/children.js';
import { freePort } from '../../src/store/embedded-database.js';
import type { TwilioCount } from '../twilio-counter.js';
import { repoRoot, sigkill, startNodeChild, track, type NodeChild } from './processes.js';

export const publicUrl = 'https://bot.example.test';
export const accountSid = newSid('AC');
export const authToken = 'bench-auth-token-0123456789abcdef';
export const botNumber = '+15005550006';
export const telegramToken = '555000888:AAG-bench-token-for-the-fake-bot-api';
export const webhookSecret = 'bench-webhook-secret-0123456789';
export const apiKey = 'bench-api-key-0123456789abcdef';

export interface Fakes {
  twilio: FakeTwilio;
  telegram: FakeTelegram;
  connector: FakeBotConnector;
  close(): Promise<void>;
}

/** Where the server finds the providers' fakes. */
export interface FakeOrigins {
  twilio: Pick<FakeTwilio, 'baseUrl'>;
  telegram: Pick<FakeTelegram, 'url'>;
}

export async function startFakes(): Promise<Fakes> {
  const [twilio, telegram, connector] = await Promise.all([startFakeTwilio({ accountSid, authToken, publicUrl }), startFakeTelegram({ token: telegramToken }), startFakeBotConnector()]);
  return {
    twilio,
    telegram,
    connector,
    close: async () => {
      await Promise.allSettled([twilio.close(), telegram.close(), connector.close()]);
    },
  };
}

/** `mongodb://host:port/?opts` with the database name in the path (the server reads it from there). */
export function withDbName(uri: string, dbName: string): string {
  const m = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!m) throw new Error('cannot put a database name into the MongoDB URI');
  return `${m[1]}/${dbName}${m[2] ?? ''}`;
}

export type Mode = 'production' | 'teams' | 'all';

/**
 * The server's whole environment. `production`: production's settings (NODE_ENV=development, as
 * production refuses TWILIO_API_BASE_URL and TELEGRAM_API_ROOT) with SMS, Telegram and the web chat. `teams`: the Teams channel, which needs NODE_ENV=development because its inbound token
 * check can only be pointed at the fake's keys from code (tests), and outbound Bot Connector calls
 * would need a token from Microsoft's login service; config.ts is the only reader of NODE_ENV.
 */
export function serverEnv(fakes: FakeOrigins, mongodbUri: string, port: number, mode: Mode, extra: Record<string, string> = {}): Record<string, string> {
  const common = {
    LOG_LEVEL: 'info',
    MONGODB_URI: mongodbUri,
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: publicUrl,
    API_KEY: apiKey,
    BUSINESS_TIME_ZONE: 'UTC',
    SEND_WINDOW: '00:00-24:00',
    THROTTLE_DAYS: '0',
    // Sweeps are per time, not per reply: off while replies are measured (the campaign turns them on).
    SWEEP_INTERVAL: '0',
    // The load comes from one address; the per-address limit would measure itself.
    RATE_LIMIT: '1000000',
  };
  // One SECRETS_KEY for every mode: the instances of a figure share a database, and the business the
  // environment describes is stored with its secrets sealed under that key.
  const teams = { NODE_ENV: 'development', TEAMS_AUTH_DISABLED: 'true', SECRETS_KEY: 'ef'.repeat(32) };
  if (mode === 'teams') return { ...common, ...teams, WEB_CHAT_ENABLED: 'false', ...extra };
  return {
    ...common,
    // `all`: every channel in one server, for counting round trips (which NODE_ENV does not change).
    // Production's settings, but NODE_ENV development: production refuses the providers' stand-ins.
    ...(mode === 'all' ? teams : { NODE_ENV: 'development', SECRETS_KEY: 'ef'.repeat(32) }),
    WEB_CHAT_ENABLED: 'true',
    // The bench's visitors all come from loopback: the per-address limit would stop it at 20.
    WEB_CHAT_VISITORS_PER_HOUR: '100000',
    TWILIO_ACCOUNT_SID: accountSid,
    TWILIO_AUTH_TOKEN: authToken,
    TWILIO_FROM: botNumber,
    TWILIO_API_BASE_URL: fakes.twilio.baseUrl,
    SMS_RATE_PER_SECOND: '100',
    TELEGRAM_BOT_TOKEN: telegramToken,
    TELEGRAM_WEBHOOK_SECRET: webhookSecret,
    TELEGRAM_API_ROOT: fakes.telegram.url,
    ...extra,
  };
}

/** `node --import tsx src/server.ts` on a free port (of another checkout when `cwd` is given); resolves once /readyz answers 200. */
export async function startProduct(fakes: FakeOrigins, mongodbUri: string, mode: Mode, extra: Record<string, string> = {}, cwd?: string): Promise<NodeChild> {
  const port = await freePort();
  return startNodeChild('src/server.ts', serverEnv(fakes, mongodbUri, port, mode, extra), { port, ...(cwd ? { cwd } : {}) });
}

let built: Promise<number> | undefined;

/**
 * `npm run build`: the compiled server in dist/, made from this checkout once per bench run (the
 * figures that start it share the build); the seconds it took.
 */
export function buildProduct(): Promise<number> {
  built ??= (async () => {
    const started = performance.now();
    await promisify(execFile)('npm', ['run', 'build'], { cwd: repoRoot, timeout: 300_000 });
    return (performance.now() - started) / 1000;
  })();
  return built;
}

/** The V8 flags of `npm run start:prod` (and the image's CMD) beyond `--enable-source-maps`. */
export function productionFlags(): string[] {
  const script = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['start:prod']!;
  return script.split(' ').filter((a) => a.startsWith('--') && a !== '--enable-source-maps');
}

/** The compiled server (`buildProduct` first) as `npm run start:prod` starts it, on a free port; resolves once /readyz answers 200. */
export async function startProductCompiled(fakes: FakeOrigins, mongodbUri: string, mode: Mode, extra: Record<string, string> = {}): Promise<NodeChild> {
  const port = await freePort();
  return startNodeChild('dist/server.js', serverEnv(fakes, mongodbUri, port, mode, extra), { port, nodeArgs: [...productionFlags(), '--enable-source-maps'], loader: false });
}

/** The Twilio fake in a process of its own (`bench/twilio-counter.ts`): where sends are counted, nothing else runs. */
export interface TwilioApart {
  baseUrl: string;
  /** How many addresses were sent to so far. */
  reached(): Promise<number>;
  /** When each send arrived so far, and to whom the accepted ones went. */
  count(): Promise<TwilioCount>;
  close(): Promise<void>;
}

/** `answerAfterMs`: the fake answers each send that long after it arrived, as a distant API does. */
export async function startTwilioApart(answerAfterMs = 0): Promise<TwilioApart> {
  const child = track(
    spawn(process.execPath, ['--import', 'tsx', 'bench/twilio-counter.ts'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ACCOUNT_SID: accountSid, AUTH_TOKEN: authToken, PUBLIC_URL: publicUrl, ANSWER_AFTER_MS: String(answerAfterMs) },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    }),
  );
  const tail = keepTail(child);
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      const onExit = () => reject(new Error(`bench/twilio-counter.ts exited:\n${tail()}`));
      child.once('exit', onExit);
      child.once('message', (m) => {
        child.off('exit', onExit);
        resolve(m as T);
      });
    });
  const ask = <T>(question: 'reached' | 'report') => {
    const answer = next<T>();
    child.send(question);
    return answer;
  };
  const { baseUrl } = await next<{ baseUrl: string }>();
  return {
    baseUrl,
    reached: () => ask<number>('reached'),
    count: () => ask<TwilioCount>('report'),
    close: () => sigkill(child),
  };
}
