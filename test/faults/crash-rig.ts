/**
 * The pieces of the crash fault test: fake providers, the server's environment, 100 surveys and the
 * replies their customers will send (`crash-traffic.ts` sends them while something is SIGKILLed,
 * `crash-verdict.ts` counts what was lost or duplicated).
 */
import { telegramWebhookPath } from '../../src/channels/telegram/index.js';
import { startFakeTelegram, textUpdate, nextUpdateId, type FakeTelegram } from '../helpers/fake-telegram.js';
import { inboundSmsParams, newSid, startFakeTwilio, twilioWebhookHeaders, type FakeTwilio } from '../helpers/fake-twilio.js';
import { sleep } from './children.js';
import { httpRequest, is2xx, type HttpResult } from './http.js';
import type { ServerProcess } from './server-process.js';

/** A small seeded generator (LCG, Numerical Recipes constants), so a failing run can be repeated. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** In [0, 1). */
  next(): number {
    this.state = (Math.imul(this.state, 1_664_525) + 1_013_904_223) >>> 0;
    return this.state / 2 ** 32;
  }
  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
}

const publicUrl = 'https://bot.example.test';
const accountSid = newSid('AC');
const authToken = 'fault-test-auth-token-0123456789';
const botNumber = '+15005550006';
const telegramToken = '555000777:AAG-fault-test-token-for-the-fake-bot';
const webhookSecret = 'fault-test-webhook-secret-0123456789';
export const apiKey = 'fault-test-api-key-0123456789';

export interface Fakes {
  twilio: FakeTwilio;
  telegram: FakeTelegram;
  close(): Promise<void>;
}

export async function startFakes(): Promise<Fakes> {
  const fakeTwilio = await startFakeTwilio({ accountSid, authToken, publicUrl });
  const fakeTelegram = await startFakeTelegram({ token: telegramToken });
  return {
    twilio: fakeTwilio,
    telegram: fakeTelegram,
    close: async () => {
      await fakeTwilio.close().catch(() => {});
      await fakeTelegram.close().catch(() => {});
    },
  };
}

/** `mongodb://host:port/?opts` with the database name put in the path (the server reads it from there). */
export function withDbName(uri: string, dbName: string): string {
  const m = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!m) throw new Error(`cannot put a database name into ${uri.replace(/\/\/[^@/]*@/, '//***@')}`);
  return `${m[1]}/${dbName}${m[2] ?? ''}`;
}

/**
 * Everything the server child needs, stated in full: production's settings, both providers faked on
 * loopback. NODE_ENV is development only because production refuses the providers' stand-ins.
 */
export function serverEnv(fakes: Fakes, mongodbUri: string): Record<string, string> {
  return {
    NODE_ENV: 'development',
    SECRETS_KEY: 'ef'.repeat(32),
    LOG_LEVEL: 'fatal',
    MONGODB_URI: mongodbUri,
    PUBLIC_URL: publicUrl,
    API_KEY: apiKey,
    WEB_CHAT_ENABLED: 'false',
    BUSINESS_TIME_ZONE: 'UTC',
    // Invitations go out at once, whatever the hour; one survey per customer is all we ask.
    SEND_WINDOW: '00:00-24:00',
    THROTTLE_DAYS: '0',
    // The sweeper runs as in production (reminders and expiries are days away), only more often.
    SWEEP_INTERVAL: '1s',
    TWILIO_ACCOUNT_SID: accountSid,
    TWILIO_AUTH_TOKEN: authToken,
    TWILIO_FROM: botNumber,
    TWILIO_API_BASE_URL: fakes.twilio.baseUrl,
    SMS_RATE_PER_SECOND: '100',
    TELEGRAM_BOT_TOKEN: telegramToken,
    TELEGRAM_WEBHOOK_SECRET: webhookSecret,
    TELEGRAM_API_ROOT: fakes.telegram.url,
  };
}

/** One customer's score reply and every delivery of it the "provider" made. */
export interface Answer {
  channel: 'sms' | 'telegram';
  address: string;
  score: number;
  /** MessageSid or update_id: the same on every delivery. */
  providerMessageId: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Every delivery's outcome and when it ended. */
  deliveries: Array<HttpResult & { at: number }>;
  /** Replies that reached the customer in the TwiML of 2xx answers (SMS only). */
  twimlReplies: number;
}

function smsAnswer(phone: string, score: number): Answer {
  const params = inboundSmsParams(accountSid, { from: phone, to: botNumber, body: String(score) });
  const path = '/webhooks/twilio/sms';
  return {
    channel: 'sms',
    address: phone,
    score,
    providerMessageId: params.MessageSid!,
    path,
    headers: twilioWebhookHeaders(authToken, `${publicUrl}${path}`, params),
    body: new URLSearchParams(params).toString(),
    deliveries: [],
    twimlReplies: 0,
  };
}

function telegramAnswer(chatId: number, score: number): Answer {
  const updateId = nextUpdateId();
  return {
    channel: 'telegram',
    address: String(chatId),
    score,
    providerMessageId: String(updateId),
    path: telegramWebhookPath(webhookSecret),
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': webhookSecret },
    body: JSON.stringify(textUpdate({ chatId }, String(score), updateId)),
    deliveries: [],
    twimlReplies: 0,
  };
}

/** Messages a customer got from the bot so far (API sends and TwiML replies the fake played, per provider). */
export function sentTo(fakes: Fakes, answer: Pick<Answer, 'channel' | 'address'>): number {
  if (answer.channel === 'sms') return fakes.twilio.messages.filter((m) => m.to === answer.address).length;
  return fakes.telegram.sent(answer.address).length;
}

export interface Seeded {
  answers: Answer[];
  /** Messages each customer had before replying (the invitation), keyed by channel:address. */
  before: Map<string, number>;
  seconds: number;
}

export const keyOf = (a: Pick<Answer, 'channel' | 'address'>) => `${a.channel}:${a.address}`;

/**
 * 50 SMS and 50 Telegram NPS surveys through the REST API, and the score each customer will reply
 * (`offset` starts the customers further on, for a second batch). Resolves when every invitation
 * reached its fake provider exactly once.
 */
export async function seedSurveys(server: ServerProcess, fakes: Fakes, count = 100, offset = 0): Promise<Seeded> {
  const started = Date.now();
  const answers: Answer[] = [];
  for (let i = offset; i < offset + count; i++) {
    const score = i % 11;
    answers.push(i % 2 === 0 ? smsAnswer(`+1415555${String(3000 + i)}`, score) : telegramAnswer(810_000_000 + i, score));
  }
  const rows = answers.map((a) => ({ kind: 'nps', channel: a.channel, address: a.address }));
  // A few requests side by side, as staff might upload them.
  const chunks = Array.from({ length: 4 }, (_, c) => rows.filter((_, i) => i % 4 === c));
  await Promise.all(
    chunks.map(async (chunk) => {
      const res = await httpRequest('POST', `${server.url}/api/surveys`, {
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
        body: JSON.stringify(chunk),
        timeoutMs: 60_000,
      });
      if (!is2xx(res)) throw new Error(`seeding failed: ${JSON.stringify(res)}`);
      const { accepted, results } = JSON.parse(res.body) as { accepted: number; results: unknown[] };
      if (accepted !== chunk.length) throw new Error(`seeding: ${accepted} of ${chunk.length} accepted: ${JSON.stringify(results).slice(0, 500)}`);
    }),
  );
  const deadline = Date.now() + 15_000;
  while (answers.some((a) => sentTo(fakes, a) < 1) && Date.now() < deadline) await sleep(100);
  const before = new Map(answers.map((a) => [keyOf(a), sentTo(fakes, a)]));
  const wrong = answers.filter((a) => before.get(keyOf(a)) !== 1);
  if (wrong.length) throw new Error(`${wrong.length} customers did not get exactly one invitation, e.g. ${keyOf(wrong[0]!)}: ${before.get(keyOf(wrong[0]!))}`);
  return { answers, before, seconds: (Date.now() - started) / 1000 };
}
