/**
 * The fault suite's verdict: what a crash run stored, sent and counted, read from the database and
 * the fake providers after the traffic.
 */
import { spawnSync } from 'node:child_process';
import mongoose from 'mongoose';
import { twimlMessages } from '../helpers/fake-twilio.js';
import { allCohortCounters, countedAll, sumOf } from '../helpers/counters.js';
import { sleep } from './children.js';
import { keyOf, sentTo, withDbName, type Answer, type Fakes, type Seeded } from './crash-rig.js';
import type { TrafficReport } from './crash-traffic.js';

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
