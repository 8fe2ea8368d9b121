/**
 * The fault suite's verdict: what a crash run stored, sent and counted, read from the database and
 * the fake providers after the traffic.
 */
import { spawnSync } from 'node:child_process';
import mongoose from 'mongoose';
import { allCohortCounters, countedAll, sumOf } from '../helpers/counters.js';
import { sleep } from './children.js';
import { keyOf, sentTo, withDbName, type Answer, type Delivery, type Fakes, type Seeded } from './crash-rig.js';
import { repliesIn } from './crash-traffic.js';
import type { HttpResult } from './http.js';
import type { TrafficReport } from './crash-traffic.js';

export interface Verdict {
  answers: number;
  comments: number;
  web: number;
  whatsapp: number;
  /** Twilio's message list read by WhatsApp redeliveries of unconfirmed replies (each sends only what it does not show). */
  whatsappLookups: number;
  /** Answers or comments not stored, or a customer who got no reply. */
  lost: number;
  /** Answers or comments stored twice, or a customer who got a reply twice. */
  duplicated: number;
  /** Answers, comments or surveys the counters show more often than the surveys hold them, after the recount. */
  countedTwice: number;
  /** Answers, comments or surveys the surveys hold and the counters do not show, after the recount. */
  uncounted: number;
  detail: {
    noScore: number;
    noComment: number;
    noReply: number;
    /** Answers and comments a kill cut off from their count, missing until the week is recounted (when it closes; here by the rebuild command). */
    uncountedUntilRecount: number;
    /** Surveys stored but not counted as sent after the recount. */
    sentNotCounted: number;
    scoreTwice: number;
    commentTwice: number;
    replyTwice: number;
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
  commented?: boolean | null;
}

/** What the counters held before a batch (for `verify` of a later batch on the same database). */
export interface Counted {
  score: number;
  commented: number;
}

const status = (d: HttpResult) => ('status' in d ? d.status : d.error);

/**
 * Read what happened. Per customer: lost when no score (or a wrong one) or no comment is stored, or
 * a reply never reached the customer; duplicated when the score text was also taken as the comment,
 * the comment was stored twice, or the customer got a reply more than once. The counters (the score
 * histogram, `commented`, `sent`) must add up to the surveys once the week is recounted (the sweeper
 * does it when the week closes; here the rebuild command does it at once, as an operator would):
 * fewer is uncounted, more counted twice. Before the recount, counts a kill cut off are reported, not failed.
 */
export async function verify(uri: string, dbName: string, fakes: Fakes, seeded: Seeded, killTimes: readonly number[], countedBefore: Counted = { score: 0, commented: 0 }): Promise<Verdict> {
  // Replies may still be on their way (an outbox, the sweeper): wait until the fakes are quiet.
  let last = -1;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const now = fakes.twilio.messages.length + fakes.whatsapp.messages.length + fakes.telegram.calls.length;
    if (now === last) break;
    last = now;
    await sleep(1_500);
  }

  const conn = await mongoose.createConnection(uri, { dbName, serverSelectionTimeoutMS: 10_000 }).asPromise();
  try {
    const db = conn.db!;
    const batch = new Set(seeded.answers.map(keyOf));
    const all = await db.collection<SurveyRow>('surveys').find({}, { projection: { channel: 1, address: 1, state: 1, score: 1, comment: 1, commented: 1, rev: 1 } }).toArray();
    const surveys = all.filter((s) => batch.has(keyOf(s as Pick<Answer, 'channel' | 'address'>)));
    const byAddress = new Map(surveys.map((s) => [`${s.channel}:${s.address}`, s]));
    const counted = async (): Promise<Counted> => {
      const rollups = await allCohortCounters(db);
      return { score: sumOf(rollups, 'score') - countedBefore.score, commented: sumOf(rollups, 'commented') - countedBefore.commented };
    };
    const beforeRecount = await counted();
    recountThisWeek(withDbName(uri, dbName));
    const after = await counted();
    const sentCounted = sumOf(await allCohortCounters(db), 'sent');

    const detail = { noScore: 0, noComment: 0, noReply: 0, uncountedUntilRecount: 0, sentNotCounted: 0, scoreTwice: 0, commentTwice: 0, replyTwice: 0, resentAfterCut: 0 };
    const lostAnswers = new Set<Answer>();
    const duplicatedAnswers = new Set<Answer>();
    const examples: string[] = [];
    const note = (a: Answer, what: string) => {
      const deliveries = [a, ...(a.comment ? [a.comment] : [])].map((m) => m.deliveries.map(status).join(', ')).join(' | ');
      if (examples.length < 8) examples.push(`${a.channel} ${a.address} id ${a.providerMessageId} score ${a.score}: ${what}; deliveries ${deliveries}`);
    };
    // Today's code claims each step in `claims`; a claim left by a killed writer blocks the survey for 30 s.
    const claims = new Set((await db.collection<{ _id: string }>('claims').find({}, { projection: { _id: 1 } }).toArray()).map((c) => c._id));
    let scores = 0;
    let comments = 0;
    for (const a of seeded.answers) {
      const survey = byAddress.get(keyOf(a));
      const replies = sentTo(fakes, a) - (seeded.before.get(keyOf(a)) ?? 0) + a.twimlReplies + (a.comment?.twimlReplies ?? 0);
      const expected = a.comment ? 2 : 1;
      if (survey?.score === a.score) scores += 1;
      else {
        detail.noScore += 1;
        lostAnswers.add(a);
        const blocked = survey && claims.has(`survey:${String(survey._id)}:${survey.rev ?? 0}`) ? ', its next step still claimed by a killed writer' : '';
        note(a, `no score stored (state ${survey?.state}, score ${survey?.score}${blocked})`);
      }
      if (a.comment) {
        const stored = survey?.comment ?? '';
        if (stored === a.comment.text) comments += 1;
        else if (stored.includes(a.comment.text)) {
          comments += 1;
          detail.commentTwice += 1;
          duplicatedAnswers.add(a);
          note(a, `comment stored as ${stored.split(a.comment.text).length - 1} copies`);
        } else {
          detail.noComment += 1;
          lostAnswers.add(a);
          note(a, `no comment stored (state ${survey?.state}, comment ${stored ? `${stored.length} characters` : 'none'})`);
        }
      }
      if (replies < expected) {
        detail.noReply += 1;
        lostAnswers.add(a);
        note(a, `${replies} of ${expected} replies reached the customer`);
      }
      if (survey?.comment !== undefined && survey?.comment !== null && survey.comment.trim() === String(a.score)) {
        detail.scoreTwice += 1;
        duplicatedAnswers.add(a);
        note(a, `score also stored as the comment (state ${survey.state})`);
      }
      // A kill after a reply went out and before its receipt was recorded: the redelivery cannot know
      // the reply arrived (Telegram's sendMessage has no idempotency key; an SMS or web chat reply's
      // receipt is written once the answer is out), so it goes out again. WhatsApp's asks Twilio.
      const unavoidable = [a, ...(a.comment ? [a.comment] : [])].filter((m) => cutAfterReply(fakes, a, m, killTimes)).length;
      if (replies > expected && replies - expected <= unavoidable) detail.resentAfterCut += replies - expected;
      else if (replies > expected) {
        detail.replyTwice += 1;
        duplicatedAnswers.add(a);
        note(a, `${replies} replies for ${expected}`);
      }
    }
    const withComments = seeded.answers.filter((a) => a.comment).length;
    detail.uncountedUntilRecount = Math.max(0, scores - beforeRecount.score) + Math.max(0, comments - beforeRecount.commented);
    detail.sentNotCounted = Math.max(0, all.length - sentCounted);
    const uncounted = Math.max(0, scores - after.score) + Math.max(0, comments - after.commented) + detail.sentNotCounted;
    const countedTwice = Math.max(0, after.score - scores) + Math.max(0, after.commented - comments) + Math.max(0, sentCounted - all.length);
    return {
      answers: seeded.answers.length,
      comments: withComments,
      web: seeded.answers.filter((a) => a.channel === 'web').length,
      whatsapp: seeded.answers.filter((a) => a.channel === 'whatsapp').length,
      whatsappLookups: fakes.whatsapp.lookups.made,
      lost: lostAnswers.size,
      duplicated: duplicatedAnswers.size,
      countedTwice,
      uncounted,
      detail,
      examples,
    };
  } finally {
    await conn.close().catch(() => {});
  }
}

/**
 * True when a second reply to message `m` was unavoidable: a kill came after the reply went out and
 * before its receipt was stored, so the provider's next delivery could not know it had arrived. On
 * Telegram that is a delivery the kill cut while its reply was being sent; on any channel, a kill
 * within a few seconds after an accepted delivery (before its receipt was stored), followed by a
 * replay of it. Never on WhatsApp: a redelivery asks Twilio what went out, so a second reply is a duplicate.
 */
function cutAfterReply(fakes: Fakes, a: Answer, m: Delivery, killTimes: readonly number[]): boolean {
  if (a.channel === 'whatsapp') return false;
  if (a.channel === 'telegram') {
    const sends = fakes.telegram.calls.filter((c) => c.method === 'sendMessage' && Number(c.payload.chat_id) === Number(a.address) && c.result !== undefined).map((c) => c.at);
    if (m.deliveries.some((d) => 'error' in d && sends.some((at) => at >= (d.from ?? 0) && at <= d.at))) return true;
  }
  const accepted = m.deliveries.find((d) => 'status' in d && d.status >= 200 && d.status < 300 && (a.channel === 'telegram' || repliesIn(a.channel, d.body) > 0))?.at;
  return accepted !== undefined && killTimes.some((k) => k >= accepted && k - accepted <= 3_000);
}

/** `npm run counters -- rebuild` for this week, as an operator would run it after a crash (the sweeper does the same when the week closes). */
function recountThisWeek(uri: string): void {
  const today = new Date().toISOString().slice(0, 10);
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/counters.ts', 'rebuild', '--from', today], { env: { PATH: process.env.PATH, MONGODB_URI: uri, LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 120_000 });
  if (res.status !== 0) throw new Error(`counters rebuild failed: ${res.stderr}`);
}

/** What the counters hold now (for `verify` of a later batch on the same database). */
export async function countedSoFar(uri: string, dbName: string): Promise<Counted> {
  const conn = await mongoose.createConnection(uri, { dbName, serverSelectionTimeoutMS: 10_000 }).asPromise();
  try {
    return { score: await countedAll(conn.db!, 'score'), commented: await countedAll(conn.db!, 'commented') };
  } finally {
    await conn.close().catch(() => {});
  }
}

/** `crash (server killed) on ferretdb: answers 60, comments 60, web 12, whatsapp 10, lost 0, duplicated 0, counted twice 0, uncounted 0` and what made up the numbers. */
export function report(phase: string, database: string, seed: number, traffic: TrafficReport, verdict: Verdict): string {
  const d = verdict.detail;
  return [
    `crash (${phase}) on ${database}: answers ${verdict.answers}, comments ${verdict.comments}, web ${verdict.web}, whatsapp ${verdict.whatsapp}, lost ${verdict.lost}, duplicated ${verdict.duplicated}, counted twice ${verdict.countedTwice}, uncounted ${verdict.uncounted}`,
    `  seed ${seed}; kills ${traffic.kills} (down ${traffic.downSeconds.toFixed(1)} s in all); first deliveries without 2xx ${traffic.firstTryFailed}; retries ${traffic.retried}; replays of accepted ${traffic.replayed}; never accepted ${traffic.neverAccepted}; ${traffic.trafficSeconds.toFixed(1)} s traffic, ${traffic.retrySeconds.toFixed(1)} s retries`,
    `  lost: no score ${d.noScore}, no comment ${d.noComment}, no reply ${d.noReply}; uncounted: sent ${d.sentNotCounted}; duplicated: score twice ${d.scoreTwice}, comment twice ${d.commentTwice}, reply twice ${d.replyTwice}`,
    `  answers and comments a kill cut off from their count until the week's recount (reported, not counted): ${d.uncountedUntilRecount}`,
    `  replies sent again because a kill came between the reply going out and its receipt (reported, not counted): ${d.resentAfterCut}`,
    `  WhatsApp redeliveries whose replies were never confirmed, so the bot asked Twilio what had gone out: ${verdict.whatsappLookups}`,
    ...verdict.examples.map((e) => `  e.g. ${e}`),
  ].join('\n');
}
