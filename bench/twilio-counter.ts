/**
 * The Twilio fake in a process of its own, for figures that count when sends arrive: in the bench's
 * process (which also uploads, polls and starts servers) a stall of a few tens of milliseconds
 * stamps the sends that came in during it together, and the busiest second then counts the stall.
 * Here the fake does nothing else. Talks to its parent over IPC:
 *   → { baseUrl }                 once listening
 *   ← 'reached' → n               how many addresses were sent to so far (cheap, for polling)
 *   ← 'report' → { times, to, stalls }   when each send arrived (ms since the epoch), to whom it went,
 *                                 and when this process's own event loop was late (see `stalls`)
 *   node --import tsx bench/twilio-counter.ts   (ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL in the environment;
 *   ANSWER_AFTER_MS: answer each send that long after it arrived, as a distant API does)
 */
import { startFakeTwilio } from '../test/helpers/fake-twilio.js';

export interface TwilioCount {
  times: number[];
  to: string[];
  /**
   * When this process stamped late: each time a 5 ms timer fired more than `stallMs` late, when it
   * fired (ms since the epoch) and by how much. A send that arrived during such a stall is stamped
   * up to that much after it arrived: on two shared cores the fake waits for the CPU too.
   */
  stalls: Array<{ at: number; ms: number }>;
}

const stallMs = 10;
const tickMs = 5;
const stalls: TwilioCount['stalls'] = [];
let expected = Date.now() + tickMs;
setInterval(() => {
  const now = Date.now();
  if (now - expected > stallMs) stalls.push({ at: now, ms: now - expected });
  expected = now + tickMs;
}, tickMs);

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`twilio-counter: ${name} is not set`);
  return value;
};

const twilio = await startFakeTwilio({ accountSid: env('ACCOUNT_SID'), authToken: env('AUTH_TOKEN'), publicUrl: env('PUBLIC_URL'), answerAfterMs: Number(process.env.ANSWER_AFTER_MS ?? 0) });
const reached = new Set<string>();
let seen = 0;
process.on('message', (message) => {
  if (message === 'reached') {
    for (; seen < twilio.messages.length; seen++) reached.add(twilio.messages[seen]!.to);
    process.send!(reached.size);
  } else if (message === 'report') {
    const count: TwilioCount = { times: twilio.attemptTimes, to: twilio.messages.map((m) => m.to), stalls };
    process.send!(count);
  }
});
// The parent gone, nothing is left to count for.
process.on('disconnect', () => process.exit(0));
process.send!({ baseUrl: twilio.baseUrl });
