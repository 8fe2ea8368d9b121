/**
 * The pieces of the crash fault test: fake providers, the server's environment, 100 surveys, replies
 * sent while something is SIGKILLed, the providers' retries, and the count of what was lost or
 * duplicated, read from the database and the fakes.
 */
import { spawnSync } from 'node:child_process';
import mongoose from 'mongoose';
import { telegramWebhookPath } from '../../src/channels/telegram/index.js';
import { startFakeTelegram, textUpdate, nextUpdateId, type FakeTelegram } from '../helpers/fake-telegram.js';
import { inboundSmsParams, newSid, startFakeTwilio, twilioWebhookHeaders, twimlMessages, type FakeTwilio } from '../helpers/fake-twilio.js';
import { sleep } from './children.js';
import { httpRequest, is2xx, type HttpResult } from './http.js';
import type { ServerProcess } from './server-process.js';
import { allCohortCounters, countedAll, sumOf } from '../helpers/counters.js';

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

/** Everything the server child needs, stated in full: production mode, both providers faked on loopback. */
export function serverEnv(fakes: Fakes, mongodbUri: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
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
function sentTo(fakes: Fakes, answer: Pick<Answer, 'channel' | 'address'>): number {
  if (answer.channel === 'sms') return fakes.twilio.messages.filter((m) => m.to === answer.address).length;
  return fakes.telegram.sent(answer.address).length;
}

export interface Seeded {
  answers: Answer[];
  /** Messages each customer had before replying (the invitation), keyed by channel:address. */
  before: Map<string, number>;
  seconds: number;
}

const keyOf = (a: Pick<Answer, 'channel' | 'address'>) => `${a.channel}:${a.address}`;

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

/** What gets SIGKILLed, and how to bring it back. */
export interface Victim {
  kill(): Promise<void>;
  /** Start it again and wait until the server answers /readyz. */
  restart(): Promise<void>;
  /** How long it stays dead, in ms. */
  outageMs: [number, number];
  /** Providers' traffic waits while it is down (a dead server refuses connections; nothing to learn from more of that). */
  pauseWhileDown: boolean;
}

export interface TrafficReport {
  kills: number;
  /** When each kill happened (ms since the epoch). */
  killTimes: number[];
  /** Seconds from each kill until the server answered /readyz again, added up. */
  downSeconds: number;
  /** Seconds: first deliveries (with the kills), then retries and replays. */
  trafficSeconds: number;
  retrySeconds: number;
  firstTryFailed: number;
  retried: number;
  replayed: number;
  neverAccepted: number;
}

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}

async function deliver(server: ServerProcess, answer: Answer): Promise<HttpResult> {
  const result = await httpRequest('POST', `${server.url}${answer.path}`, { headers: answer.headers, body: answer.body, timeoutMs: 20_000 });
  answer.deliveries.push({ ...result, at: Date.now() });
  // Twilio sends the <Message>s of a 2xx answer; of anything else, nothing.
  if (answer.channel === 'sms' && is2xx(result)) answer.twimlReplies += twimlMessages(result.body).length;
  return result;
}

/** Run `work` over `items`, `concurrency` at a time. */
async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>, gate?: () => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      await gate?.();
      const item = items[next++];
      if (item !== undefined) await work(item);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * Every answer delivered once, 8 at a time, while the victim is SIGKILLed `kills` times at random
 * moments and brought back; then the providers' retries: every delivery without a 2xx is repeated
 * (same message id) until one gets a 2xx, and a random 20% of the accepted ones are delivered again.
 */
export async function sendWithCrashes(server: ServerProcess, answers: Answer[], victim: Victim, rng: Rng, kills: number): Promise<TrafficReport> {
  const n = answers.length;
  // Kill moments: after the k-th delivery starts, plus a few ms, so requests are in flight.
  const points = new Set<number>();
  while (points.size < kills) points.add(rng.int(Math.floor(n * 0.1), Math.floor(n * 0.85)));
  const plan = [...points].sort((a, b) => a - b).map((at) => ({ at, delayMs: rng.int(0, 150), outageMs: rng.int(...victim.outageMs) }));

  const started = Date.now();
  let dispatched = 0;
  let up: Promise<void> = Promise.resolve();
  let done = false;
  let downMs = 0;
  const killTimes: number[] = [];
  // Settles with the error instead of rejecting, so a failed restart is reported once the workers stop.
  const killer = (async (): Promise<unknown> => {
    for (const step of plan) {
      await until(() => dispatched >= step.at || done, 60_000);
      if (done) return;
      await sleep(step.delayMs);
      let revive!: () => void;
      up = new Promise<void>((resolve) => (revive = resolve));
      const killedAt = Date.now();
      killTimes.push(killedAt);
      try {
        await victim.kill();
        await sleep(step.outageMs);
        await victim.restart();
      } finally {
        downMs += Date.now() - killedAt;
        revive();
      }
    }
  })().catch((err: unknown) => err ?? new Error('restart failed'));

  await pool(
    answers,
    8,
    async (answer) => {
      dispatched += 1;
      await deliver(server, answer);
    },
    victim.pauseWhileDown ? () => up : undefined,
  );
  done = true;
  const killError = await killer;
  if (killError) throw killError;
  const firstTryFailed = answers.filter((a) => !is2xx(a.deliveries[0]!)).length;
  const retriesStarted = Date.now();

  // Provider retries: redeliver what got no 2xx, after growing pauses, for about 16 s (real providers go
  // on for longer, but the test has to end; a survey a killed writer held on FerretDB frees after 10 s).
  let retried = 0;
  for (const pause of [0, 250, 500, 1_000, 2_000, 4_000, 8_000]) {
    const pending = answers.filter((a) => !a.deliveries.some(is2xx));
    if (pending.length === 0 || Date.now() - retriesStarted > 15_000) break;
    await sleep(pause);
    await server.waitReady(20_000);
    retried += pending.length;
    await pool(pending, 8, async (a) => void (await deliver(server, a)));
  }
  // At least once: some accepted deliveries come again anyway.
  const accepted = answers.filter((a) => a.deliveries.some(is2xx));
  const again = accepted.filter(() => rng.next() < 0.2);
  await pool(again, 8, async (a) => {
    for (let tries = 0; tries < 4 && !is2xx(await deliver(server, a)); tries++) await sleep(500);
  });
  return {
    kills: plan.length,
    killTimes,
    downSeconds: downMs / 1000,
    trafficSeconds: (retriesStarted - started) / 1000,
    retrySeconds: (Date.now() - retriesStarted) / 1000,
    firstTryFailed,
    retried,
    replayed: again.length,
    neverAccepted: answers.filter((a) => !a.deliveries.some(is2xx)).length,
  };
}

export interface Verdict {
  answers: number;
  lost: number;
  duplicated: number;
  detail: {
    noScore: number;
    noReply: number;
    notCounted: number;
    /** Answers a kill cut off from their count, missing until the week is recounted (when it closes; here by the rebuild command). */
    uncountedUntilRecount: number;
    /** Surveys stored but not counted as sent after the recount. */
    sentNotCounted: number;
    scoreTwice: number;
    replyTwice: number;
    countedTwice: number;
    /** Replies a kill made unavoidable to send again (reported, not counted as duplicates). */
    resentAfterCut: number;
  };
  examples: string[];
}

interface SurveyRow {
  _id: unknown;
  rev?: number;
  channel: string;
  address: string;
  state: string;
  score?: number | null;
  comment?: string | null;
}

/**
 * Read what happened. Per answer: lost when no score (or a wrong one) is stored or the follow-up never
 * reached the customer; duplicated when the score text was also taken as the comment (applied twice)
 * or the customer got more than one reply. Rollup counters of metric `score` must add up to the
 * scores stored once the week is recounted (the sweeper does it when the week closes; here the
 * rebuild command does it at once): fewer is a lost count, more a count taken twice. Before the
 * recount, counts a kill cut off are reported, not failed.
 */
export async function verify(uri: string, dbName: string, fakes: Fakes, seeded: Seeded, killTimes: readonly number[], countedBefore = 0): Promise<Verdict> {
  // Replies may still be on their way (an outbox, the sweeper): wait until the fakes are quiet.
  let last = -1;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const now = fakes.twilio.messages.length + fakes.telegram.calls.length;
    if (now === last) break;
    last = now;
    await sleep(1_500);
  }

  const conn = await mongoose.createConnection(uri, { dbName, serverSelectionTimeoutMS: 10_000 }).asPromise();
  try {
    const db = conn.db!;
    const batch = new Set(seeded.answers.map(keyOf));
    const all = await db.collection<SurveyRow>('surveys').find({}, { projection: { channel: 1, address: 1, state: 1, score: 1, comment: 1, rev: 1 } }).toArray();
    const surveys = all.filter((s) => batch.has(keyOf(s as Pick<Answer, 'channel' | 'address'>)));
    const byAddress = new Map(surveys.map((s) => [`${s.channel}:${s.address}`, s]));
    // (`countedBefore`: the scores an earlier batch on the same database had counted.)
    const countedBeforeRecount = sumOf(await allCohortCounters(db), 'score') - countedBefore;
    recountThisWeek(withDbName(uri, dbName));
    const rollups = await allCohortCounters(db);
    const counted = sumOf(rollups, 'score') - countedBefore;

    const detail = { noScore: 0, noReply: 0, notCounted: 0, uncountedUntilRecount: 0, sentNotCounted: 0, scoreTwice: 0, replyTwice: 0, countedTwice: 0, resentAfterCut: 0 };
    const lostAnswers = new Set<Answer>();
    const duplicatedAnswers = new Set<Answer>();
    const examples: string[] = [];
    const note = (a: Answer, what: string) => {
      if (examples.length < 8) examples.push(`${a.channel} ${a.address} id ${a.providerMessageId} score ${a.score}: ${what}; deliveries ${a.deliveries.map((d) => ('status' in d ? d.status : d.error)).join(', ')}`);
    };
    // Today's code claims each step in `claims`; a claim left by a killed writer blocks the survey for 30 s.
    const claims = new Set((await db.collection<{ _id: string }>('claims').find({}, { projection: { _id: 1 } }).toArray()).map((c) => c._id));
    let stored = 0;
    for (const a of seeded.answers) {
      const survey = byAddress.get(keyOf(a));
      const replies = sentTo(fakes, a) - (seeded.before.get(keyOf(a)) ?? 0) + a.twimlReplies;
      if (survey?.score === a.score) stored += 1;
      else {
        detail.noScore += 1;
        lostAnswers.add(a);
        const blocked = survey && claims.has(`survey:${String(survey._id)}:${survey.rev ?? 0}`) ? ', its next step still claimed by a killed writer' : '';
        note(a, `no score stored (state ${survey?.state}, score ${survey?.score}${blocked})`);
      }
      if (replies === 0) {
        detail.noReply += 1;
        lostAnswers.add(a);
        note(a, 'no reply reached the customer');
      }
      if (survey?.comment !== undefined && survey?.comment !== null && survey.comment.trim() === String(a.score)) {
        detail.scoreTwice += 1;
        duplicatedAnswers.add(a);
        note(a, `score also stored as the comment (state ${survey.state})`);
      }
      if (replies === 2 && killedRightAfterFirstReply(fakes, a, seeded.before.get(keyOf(a)) ?? 0, killTimes)) {
        // A kill after the reply went out and before its receipt was recorded: the redelivery cannot
        // know the reply arrived (Telegram's sendMessage has no idempotency key; an SMS reply's
        // receipt is written once the TwiML is out), so it goes out again.
        detail.resentAfterCut += 1;
      } else if (replies > 1) {
        detail.replyTwice += 1;
        duplicatedAnswers.add(a);
        note(a, `${replies} replies`);
      }
    }
    detail.notCounted = Math.max(0, stored - counted);
    detail.uncountedUntilRecount = Math.max(0, stored - countedBeforeRecount);
    detail.sentNotCounted = Math.max(0, all.length - sumOf(rollups, 'sent'));
    detail.countedTwice = Math.max(0, counted - stored) + Math.max(0, sumOf(rollups, 'sent') - all.length);
    return {
      answers: seeded.answers.length,
      lost: lostAnswers.size + detail.notCounted + detail.sentNotCounted,
      duplicated: duplicatedAnswers.size + detail.countedTwice,
      detail,
      examples,
    };
  } finally {
    await conn.close().catch(() => {});
  }
}

/**
 * True when the one extra reply was unavoidable: a kill came after the reply went out and before its
 * receipt was stored, so the provider's next delivery could not know it had arrived. On Telegram
 * that is a delivery the kill cut after its reply was sent; on either channel, a kill within a few
 * seconds after an accepted delivery (before its receipt was stored), followed by a replay of it.
 */
function killedRightAfterFirstReply(fakes: Fakes, a: Answer, sentBefore: number, killTimes: readonly number[]): boolean {
  if (a.channel === 'telegram') {
    const sends = fakes.telegram.calls.filter((c) => c.method === 'sendMessage' && Number(c.payload.chat_id) === Number(a.address) && c.result !== undefined);
    const firstOut = sends[sentBefore]?.at;
    if (firstOut !== undefined && a.deliveries.some((d) => 'error' in d && d.at >= firstOut)) return true;
  }
  const accepted = a.deliveries.find((d) => 'status' in d && d.status >= 200 && d.status < 300 && (a.channel === 'telegram' || twimlMessages(d.body).length > 0))?.at;
  return accepted !== undefined && killTimes.some((k) => k >= accepted && k - accepted <= 3_000);
}

/** `npm run counters -- rebuild` for this week, as an operator would run it after a crash (the sweeper does the same when the week closes). */
function recountThisWeek(uri: string): void {
  const today = new Date().toISOString().slice(0, 10);
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/counters.ts', 'rebuild', '--from', today], { env: { PATH: process.env.PATH, MONGODB_URI: uri, LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 120_000 });
  if (res.status !== 0) throw new Error(`counters rebuild failed: ${res.stderr}`);
}

/** The scores the counters hold now (for `verify` of a later batch on the same database). */
export async function countedScores(uri: string, dbName: string): Promise<number> {
  const conn = await mongoose.createConnection(uri, { dbName, serverSelectionTimeoutMS: 10_000 }).asPromise();
  try {
    return await countedAll(conn.db!, 'score');
  } finally {
    await conn.close().catch(() => {});
  }
}

/** `crash (server killed): answers 100, lost 0, duplicated 0` and what made up the numbers. */
export function report(phase: string, seed: number, traffic: TrafficReport, verdict: Verdict): string {
  const d = verdict.detail;
  return [
    `crash (${phase}): answers ${verdict.answers}, lost ${verdict.lost}, duplicated ${verdict.duplicated}`,
    `  seed ${seed}; kills ${traffic.kills} (down ${traffic.downSeconds.toFixed(1)} s in all); first deliveries without 2xx ${traffic.firstTryFailed}; retries ${traffic.retried}; replays of accepted ${traffic.replayed}; never accepted ${traffic.neverAccepted}; ${traffic.trafficSeconds.toFixed(1)} s traffic, ${traffic.retrySeconds.toFixed(1)} s retries`,
    `  lost: no score ${d.noScore}, no reply ${d.noReply}, not counted ${d.notCounted}, sent not counted ${d.sentNotCounted}; duplicated: score twice ${d.scoreTwice}, reply twice ${d.replyTwice}, counted twice ${d.countedTwice}`,
    `  answers a kill cut off from their count until the week's recount (reported, not counted): ${d.uncountedUntilRecount}`,
    `  replies sent again because a kill came between the reply going out and its receipt (reported, not counted): ${d.resentAfterCut}`,
    ...verdict.examples.map((e) => `  e.g. ${e}`),
  ].join('\n');
}
