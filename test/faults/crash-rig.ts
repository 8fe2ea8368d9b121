/**
 * The pieces of the crash fault test: fake providers, the server's environment, 100 surveys and the
 * replies their customers will send (`crash-traffic.ts` sends them while something is SIGKILLed,
 * `crash-verdict.ts` counts what was lost or duplicated).
 */
import { telegramWebhookPath } from '../../src/channels/telegram/index.js';
import { startFakeTelegram, textUpdate, nextUpdateId, type FakeTelegram } from '../helpers/fake-telegram.js';
import { inboundSmsParams, newSid, startFakeTwilio, twilioWebhookHeaders, type FakeTwilio } from '../helpers/fake-twilio.js';
import { startFakeWhatsapp, type FakeWhatsapp } from '../helpers/fake-whatsapp.js';
import { startTwilioSplit } from '../helpers/provider-router.js';
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
const whatsappSender = 'whatsapp:+15005550007';
const telegramToken = '555000777:AAG-fault-test-token-for-the-fake-bot';
const webhookSecret = 'fault-test-webhook-secret-0123456789';
export const apiKey = 'fault-test-api-key-0123456789';

export interface Fakes {
  twilio: FakeTwilio;
  whatsapp: FakeWhatsapp;
  /** TWILIO_API_BASE_URL: one origin for the account's SMS and WhatsApp fakes. */
  twilioApi: string;
  /** The business's approved WhatsApp invitation (an invitation goes outside the 24-hour window). */
  whatsappTemplates: string;
  telegram: FakeTelegram;
  close(): Promise<void>;
}

export async function startFakes(): Promise<Fakes> {
  const fakeTwilio = await startFakeTwilio({ accountSid, authToken, publicUrl });
  const fakeWhatsapp = await startFakeWhatsapp({ accountSid, authToken, publicUrl });
  const split = await startTwilioSplit(fakeTwilio.baseUrl, fakeWhatsapp.baseUrl);
  const invitation = fakeWhatsapp.addTemplate('{{1}} would like your opinion: how likely are you to recommend us to a friend? Reply 0-10.');
  const fakeTelegram = await startFakeTelegram({ token: telegramToken });
  return {
    twilio: fakeTwilio,
    whatsapp: fakeWhatsapp,
    twilioApi: split.url,
    whatsappTemplates: JSON.stringify([{ purpose: 'invitation', locale: 'en', contentSid: invitation, variables: ['business'] }]),
    telegram: fakeTelegram,
    close: async () => {
      await split.close().catch(() => {});
      await fakeTwilio.close().catch(() => {});
      await fakeWhatsapp.close().catch(() => {});
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

/**
 * WhatsApp on the same Twilio account, with its approved invitation template: the account's API is
 * then the split origin (SMS and WhatsApp fakes behind one TWILIO_API_BASE_URL). Tests that measure
 * SMS pacing leave it out, so their sends reach the SMS fake with no hop between.
 */
export function whatsappEnv(fakes: Fakes): Record<string, string> {
  return { TWILIO_API_BASE_URL: fakes.twilioApi, TWILIO_WHATSAPP_FROM: whatsappSender, WHATSAPP_TEMPLATES: fakes.whatsappTemplates };
}

/** One message a customer sends, and every delivery of it the "provider" (or the chat page) made. */
export interface Delivery {
  /** MessageSid, update_id or the web chat's message id: the same on every delivery. */
  providerMessageId: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Every delivery's outcome, when it started (`from`) and when it ended (`at`). */
  deliveries: Array<HttpResult & { at: number; from?: number }>;
  /** Replies that reached the customer in the answers to 2xx deliveries (SMS TwiML, the web chat's JSON; WhatsApp's go through the API). */
  twimlReplies: number;
}

/** One customer's score reply and, when the run has the comment step, the comment sent after it was accepted. */
export interface Answer extends Delivery {
  channel: 'sms' | 'telegram' | 'web' | 'whatsapp';
  address: string;
  score: number;
  comment?: Delivery & { text: string };
}

const commentText = (i: number) => `Crash run customer ${i}: quick and friendly, the parking was full`;

function smsMessage(phone: string, text: string): Delivery {
  const params = inboundSmsParams(accountSid, { from: phone, to: botNumber, body: text });
  const path = '/webhooks/twilio/sms';
  return { providerMessageId: params.MessageSid!, path, headers: twilioWebhookHeaders(authToken, `${publicUrl}${path}`, params), body: new URLSearchParams(params).toString(), deliveries: [], twimlReplies: 0 };
}

function telegramMessage(chatId: number, text: string): Delivery {
  const updateId = nextUpdateId();
  return {
    providerMessageId: String(updateId),
    path: telegramWebhookPath(webhookSecret),
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': webhookSecret },
    body: JSON.stringify(textUpdate({ chatId }, text, updateId)),
    deliveries: [],
    twimlReplies: 0,
  };
}

/** A WhatsApp message as Twilio posts it (signed form; the same MessageSid on every delivery). */
function whatsappMessage(fakes: Fakes, phone: string, text: string): Delivery {
  const { url, params, headers } = fakes.whatsapp.inbound(phone, text);
  return { providerMessageId: params.MessageSid!, path: new URL(url).pathname, headers, body: new URLSearchParams(params).toString(), deliveries: [], twimlReplies: 0 };
}

let webMessages = 0;
/** What the chat page posts: its own message id, kept when it sends the message again. */
function webMessage(visitorId: string, text: string): Delivery {
  const messageId = `m${++webMessages}`;
  return { providerMessageId: `${visitorId}:${messageId}`, path: `/chat/api/visitors/${visitorId}/messages`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messageId, text }), deliveries: [], twimlReplies: 0 };
}

function answerOf(fakes: Fakes, channel: Answer['channel'], address: string, score: number, comment: string | undefined): Answer {
  const messageOn = { sms: smsMessage, telegram: (to: string, text: string) => telegramMessage(Number(to), text), web: webMessage, whatsapp: (to: string, text: string) => whatsappMessage(fakes, to, text) };
  const message = (text: string) => messageOn[channel](address, text);
  return { channel, address, score, ...message(String(score)), ...(comment ? { comment: { ...message(comment), text: comment } } : {}) };
}

/** Messages a customer got from the bot so far through the provider's API (the web chat has none: its replies are in its answers). */
export function sentTo(fakes: Fakes, answer: Pick<Answer, 'channel' | 'address'>): number {
  if (answer.channel === 'sms') return fakes.twilio.messages.filter((m) => m.to === answer.address).length;
  if (answer.channel === 'web') return 0;
  if (answer.channel === 'whatsapp') return fakes.whatsapp.to(answer.address).length;
  return fakes.telegram.sent(answer.address).length;
}

export interface Seeded {
  answers: Answer[];
  /** Messages each customer had before replying (the invitation), keyed by channel:address. */
  before: Map<string, number>;
  seconds: number;
}

export const keyOf = (a: Pick<Answer, 'channel' | 'address'>) => `${a.channel}:${a.address}`;

/** Who takes part: customers on SMS and Telegram (half each), web chat visitors, WhatsApp customers, and whether each then comments. */
export interface Mix {
  count: number;
  web?: number;
  whatsapp?: number;
  comments?: boolean;
}

/**
 * `count` SMS and Telegram NPS surveys (half each) and `whatsapp` WhatsApp ones through the REST API, `web` web chat visitors
 * through the chat's own endpoint, and the score (and comment) each customer will reply (`offset`
 * starts the customers further on, for a second batch). Resolves when every invitation reached its
 * fake provider exactly once and every visitor's survey was started.
 */
export async function seedSurveys(server: ServerProcess, fakes: Fakes, mix: Mix = { count: 100 }, offset = 0): Promise<Seeded> {
  const started = Date.now();
  const answers: Answer[] = [];
  const comment = (i: number) => (mix.comments ? commentText(i) : undefined);
  for (let i = offset; i < offset + mix.count; i++) {
    answers.push(i % 2 === 0 ? answerOf(fakes, 'sms', `+1415555${String(3000 + i)}`, i % 11, comment(i)) : answerOf(fakes, 'telegram', String(810_000_000 + i), i % 11, comment(i)));
  }
  // WhatsApp customers spread among them, so the kills come while some of them are answered.
  const whatsapp = mix.whatsapp ?? 0;
  for (let j = 0; j < whatsapp; j++) {
    const i = offset + j;
    answers.splice(Math.floor(((j + 0.5) * mix.count) / whatsapp) + j, 0, answerOf(fakes, 'whatsapp', `+9230055${String(50_000 + i)}`, (i + 5) % 11, comment(1_000 + i)));
  }
  const rows = answers.map((a) => ({ kind: 'nps', channel: a.channel, address: a.address }));
  // A few requests side by side, as staff might upload them.
  const chunks = Array.from({ length: 4 }, (_, c) => rows.filter((_, i) => i % 4 === c));
  await Promise.all(
    chunks.map(async (chunk) => {
      const res = await httpRequest('POST', `${server.url}/api/v1/surveys`, {
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
        body: JSON.stringify(chunk),
        timeoutMs: 60_000,
      });
      if (!is2xx(res)) throw new Error(`seeding failed: ${JSON.stringify(res)}`);
      const { accepted, results } = JSON.parse(res.body) as { accepted: number; results: unknown[] };
      if (accepted !== chunk.length) throw new Error(`seeding: ${accepted} of ${chunk.length} accepted: ${JSON.stringify(results).slice(0, 500)}`);
    }),
  );
  // Web chat visitors open the page: each is a customer and a survey, its question in the transcript.
  for (let i = offset + mix.count; i < offset + mix.count + (mix.web ?? 0); i++) {
    const res = await httpRequest('POST', `${server.url}/chat/api/visitors`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'nps' }), timeoutMs: 30_000 });
    if (!is2xx(res)) throw new Error(`web chat visitor: ${JSON.stringify(res)}`);
    answers.push(answerOf(fakes, 'web', (JSON.parse(res.body) as { visitorId: string }).visitorId, i % 11, comment(i)));
  }
  const invited = answers.filter((a) => a.channel !== 'web');
  const deadline = Date.now() + 15_000;
  while (invited.some((a) => sentTo(fakes, a) < 1) && Date.now() < deadline) await sleep(100);
  const before = new Map(answers.map((a) => [keyOf(a), sentTo(fakes, a)]));
  const wrong = invited.filter((a) => before.get(keyOf(a)) !== 1);
  if (wrong.length) throw new Error(`${wrong.length} customers did not get exactly one invitation, e.g. ${keyOf(wrong[0]!)}: ${before.get(keyOf(wrong[0]!))}`);
  return { answers, before, seconds: (Date.now() - started) / 1000 };
}
