/** The crash fault test's traffic: the customers' replies sent while something is SIGKILLed, then the providers' retries. */
import { twimlMessages } from '../helpers/fake-twilio.js';
import { sleep } from './children.js';
import type { Answer, Delivery, Rng } from './crash-rig.js';
import { httpRequest, is2xx, type HttpResult } from './http.js';
import type { ServerProcess } from './server-process.js';

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

/** The replies in a 2xx answer: Twilio sends an SMS webhook's TwiML <Message>s, the chat page shows the web chat's `replies`. */
export function repliesIn(channel: Answer['channel'], body: string): number {
  if (channel === 'sms') return twimlMessages(body).length;
  if (channel === 'web') return ((JSON.parse(body) as { replies?: unknown[] }).replies ?? []).length;
  return 0;
}

async function deliver(server: ServerProcess, channel: Answer['channel'], message: Delivery): Promise<HttpResult> {
  const from = Date.now();
  const result = await httpRequest('POST', `${server.url}${message.path}`, { headers: message.headers, body: message.body, timeoutMs: 20_000 });
  message.deliveries.push({ ...result, from, at: Date.now() });
  // Of anything but a 2xx, nothing reaches the customer.
  if (is2xx(result)) message.twimlReplies += repliesIn(channel, result.body);
  return result;
}

const accepted = (message: Delivery) => message.deliveries.some(is2xx);

/** The customer's messages not yet accepted, in order: the comment only once the score was. */
async function converse(server: ServerProcess, answer: Answer): Promise<void> {
  if (!accepted(answer) && !is2xx(await deliver(server, answer.channel, answer))) return;
  if (answer.comment && !accepted(answer.comment)) await deliver(server, answer.channel, answer.comment);
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
 * Every answer (and its comment, once the answer was accepted) delivered once, 8 customers at a
 * time, while the victim is SIGKILLed `kills` times at random moments and brought back; then the
 * providers' retries: every delivery without a 2xx is repeated (same message id) until one gets a
 * 2xx, and a random 20% of the accepted messages are delivered again.
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
      await converse(server, answer);
    },
    victim.pauseWhileDown ? () => up : undefined,
  );
  done = true;
  const killError = await killer;
  if (killError) throw killError;
  const messages: Delivery[] = answers.flatMap((a) => (a.comment ? [a, a.comment] : [a]));
  const firstTryFailed = messages.filter((m) => m.deliveries.length > 0 && !is2xx(m.deliveries[0]!)).length;
  const retriesStarted = Date.now();

  // Provider retries: redeliver what got no 2xx, after growing pauses, for about 16 s (real providers go
  // on for longer, but the test has to end; a survey a killed writer held on FerretDB frees after 10 s).
  let retried = 0;
  for (const pause of [0, 250, 500, 1_000, 2_000, 4_000, 8_000]) {
    const pending = answers.filter((a) => !accepted(a) || (a.comment && !accepted(a.comment)));
    if (pending.length === 0 || Date.now() - retriesStarted > 15_000) break;
    await sleep(pause);
    await server.waitReady(20_000);
    retried += pending.length;
    await pool(pending, 8, (a) => converse(server, a));
  }
  // At least once: some accepted deliveries come again anyway.
  const again = messages.filter((m) => accepted(m) && rng.next() < 0.2);
  const channelOf = new Map<Delivery, Answer['channel']>(answers.flatMap((a) => [a, ...(a.comment ? [a.comment] : [])].map((m) => [m, a.channel] as const)));
  await pool(again, 8, async (m) => {
    for (let tries = 0; tries < 4 && !is2xx(await deliver(server, channelOf.get(m)!, m)); tries++) await sleep(500);
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
    neverAccepted: messages.filter((m) => !accepted(m)).length,
  };
}
