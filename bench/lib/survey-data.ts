/**
 * Stored surveys in bulk, as the product would have left them after weeks of use: one business,
 * 12 weeks, three kinds, 20 cohorts (a tag each), every state. Surveys go round the kinds, tags and
 * weeks in turn, so every tag has surveys of every kind in every week from 720 surveys on: a small
 * set and a large one differ in how many surveys there are, not in the business's shape. And the
 * rollup counters those surveys add up to, computed the way the product counts them (sent, scored,
 * score, completed, commented per kind, week and cohort, for 'all' and the survey's tag; one
 * document per kind, week and cohort).
 */
import { ObjectId, type Db, type Document } from 'mongodb';
import { shiftWeek, weekKey } from '../../src/domain/calendar.js';

export const businessId = 'default';
const kinds = [
  { kind: 'nps', min: 0, max: 10 },
  { kind: 'csat', min: 1, max: 5 },
  { kind: 'ces', min: 1, max: 7 },
] as const;
export const cohorts = Array.from({ length: 20 }, (_, i) => `store-${String(i + 1).padStart(2, '0')}`);
const channelNames = ['sms', 'telegram', 'teams', 'web'];

/** A small seeded generator (LCG), so two runs store the same surveys. */
function rng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

function bandOf(kind: string, score: number): string {
  if (kind === 'nps') return score <= 6 ? 'detractor' : score <= 8 ? 'passive' : 'promoter';
  if (kind === 'csat') return score <= 2 ? 'detractor' : score === 3 ? 'passive' : 'promoter';
  return score <= 3 ? 'detractor' : score <= 4 ? 'passive' : 'promoter';
}

export interface Generated {
  surveys: number;
  rollups: number;
  weeks: string[];
  seconds: number;
}

/** Insert `count` surveys over the 12 weeks up to `now`'s, and their rollup counters, with unordered bulk inserts. */
export async function generateSurveys(db: Db, count: number, now: Date, seed = 17): Promise<Generated> {
  const started = performance.now();
  const random = rng(seed);
  const thisWeek = weekKey(now, 'UTC');
  const weeks = Array.from({ length: 12 }, (_, i) => shiftWeek(thisWeek, i - 11));
  const counters = new Map<string, Document>();
  // One counter document per (kind, week, cohort): its funnel and its answers per score.
  const count1 = (kind: string, week: string, cohort: string, metric: string, score?: number) => {
    const _id = [businessId, kind, week, cohort].join('|');
    const doc = counters.get(_id) ?? { _id, businessId, kind, week, cohort, scores: {} };
    if (score !== undefined) doc.scores[score] = (doc.scores[score] ?? 0) + 1;
    else doc[metric] = (doc[metric] ?? 0) + 1;
    counters.set(_id, doc);
  };
  const batchSize = 10_000;
  const pending: Array<Promise<unknown>> = [];
  for (let start = 0; start < count; start += batchSize) {
    const docs: Document[] = [];
    for (let i = start; i < Math.min(count, start + batchSize); i++) {
      const { kind, min, max } = kinds[i % 3]!;
      // Kinds by i % 3 and tags by i % 20 meet every pair every 60 surveys; then the next week.
      const week = weeks[Math.floor(i / 60) % weeks.length]!;
      const weekStart = new Date(`${week}T00:00:00Z`).getTime();
      // The current week is only partly over.
      const span = Math.min(7 * 86_400_000, week === thisWeek ? Math.max(60_000, now.getTime() - weekStart) : 7 * 86_400_000);
      const invitedAt = new Date(weekStart + Math.floor(random() * span));
      const tag = cohorts[i % cohorts.length]!;
      const channel = channelNames[i % channelNames.length]!;
      const _id = new ObjectId();
      const roll = random();
      const scored = roll < 0.8;
      const score = scored ? min + Math.floor(random() * (max - min + 1)) : undefined;
      const band = score !== undefined ? bandOf(kind, score) : undefined;
      const later = (ms: number) => new Date(invitedAt.getTime() + ms);
      // 55 % completed with a comment, 15 % scored and left without one, 10 % still awaiting it, 20 % expired unanswered.
      const state = roll < 0.55 ? 'completed' : roll < 0.7 ? 'completed' : roll < 0.8 ? 'awaiting_comment' : 'expired';
      const comment = roll < 0.55 ? ['Great service', 'Too slow at the till', 'Friendly staff', 'Order was cold', 'Fine'][i % 5] : undefined;
      const replied = band === 'detractor' && random() < 0.3;
      docs.push({
        _id,
        businessId,
        customerId: new ObjectId(),
        channel,
        address: `${channel}-${i}`,
        kind,
        state,
        openKey: state === 'awaiting_comment' ? `${businessId}:${channel}:${channel}-${i}` : `closed:${_id.toHexString()}`,
        locale: 'en',
        vars: { business: 'Our shop', customerName: `Customer ${i % 997}` },
        trigger: 'api',
        ...(score !== undefined ? { score, band, answeredAt: later(3_600_000) } : {}),
        ...(comment ? { comment, commented: true } : {}),
        reprompts: 0,
        invitedAt,
        ...(state === 'completed' ? { completedAt: later(3_700_000) } : {}),
        ...(state === 'expired' ? { endedAt: later(3 * 86_400_000), abandonedAt: 'score' } : {}),
        ...(state === 'completed' && !comment ? { abandonedAt: 'comment' } : {}),
        week,
        tags: [tag],
        inbound: [],
        ...(replied ? { replies: [{ text: 'Sorry about that', at: later(7_200_000), by: 'owner' }], firstReplyAt: later(7_200_000), timeToFirstReplyMs: 3_600_000 } : { replies: [] }),
        rev: scored ? (comment ? 2 : 1) : 1,
        createdAt: invitedAt,
        updatedAt: invitedAt,
      });
      for (const cohort of ['all', `tag:${tag}`]) {
        count1(kind, week, cohort, 'sent');
        if (score !== undefined) {
          count1(kind, week, cohort, 'scored');
          count1(kind, week, cohort, 'score', score);
        }
        if (state === 'completed') count1(kind, week, cohort, 'completed');
        if (comment) count1(kind, week, cohort, 'commented');
        if (state === 'expired') count1(kind, week, cohort, 'unscored');
      }
    }
    // Two batches in flight: the server works on one while the next is built.
    pending.push(db.collection('surveys').insertMany(docs, { ordered: false }));
    if (pending.length >= 2) await pending.shift();
  }
  await Promise.all(pending);
  const rollups = [...counters.values()];
  for (let i = 0; i < rollups.length; i += batchSize) await db.collection('week_counts').insertMany(rollups.slice(i, i + batchSize), { ordered: false });
  return { surveys: count, rollups: rollups.length, weeks, seconds: (performance.now() - started) / 1000 };
}
