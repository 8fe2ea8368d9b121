import { z } from 'zod';
import { surveyKinds, type SurveyKind } from '../domain/surveys.js';
import { parseInput } from '../errors.js';
import type { Store } from '../store/index.js';
import {
  interactionChange,
  precedingFeatures,
  scorePairs,
  timeToSolution,
  type EventPoint,
  type FeatureStat,
  type InteractionChange,
  type ScorePair,
  type ScorePoint,
  type TimeToSolution,
} from './drops.js';

export interface DropsReport {
  query: DropsQuery;
  /** Pairs of consecutive answers whose second answer is in the period. */
  pairs: number;
  drops: Array<{ person: string; kind: SurveyKind; from: { surveyId: string; score: number; at: Date }; to: { surveyId: string; score: number; at: Date }; events: Array<{ type: string; at: Date; attributes: EventPoint['attributes'] }> }>;
  /** Features that precede drops more often than stable or rising scores (see `precedingFeatures`). */
  features: FeatureStat[];
  timeToSolution: TimeToSolution;
  /** Present when the query gives `now`. */
  interactionChange?: InteractionChange;
}

/** A period by answer time ([from, to)) or by the weeks of the invitations (the counters' periods, as the digest reads them). */
export interface DropsQuery {
  from?: Date;
  to?: Date;
  fromWeek?: string;
  toWeek?: string;
  kind?: SurveyKind;
  /** For the interaction change: only answers whose after-window has ended by then count. */
  now?: Date;
  /** Days of the windows of the time to solution and the interaction change (30). */
  windowDays?: number;
}

/** The API's query for the drops report: an answer-time period of at most a year, ISO dates or times. */
export const dropsQuery = z
  .object({
    from: z.coerce.date(),
    to: z.coerce.date(),
    kind: z.enum(surveyKinds).optional(),
    windowDays: z.coerce.number().int().min(1).max(365).optional(),
  })
  .refine((q) => q.from < q.to, { message: 'must be before to', path: ['from'] })
  .refine((q) => q.to.getTime() - q.from.getTime() <= 366 * 86_400_000, { message: 'at most a year', path: ['to'] });

/** The drops report for an API query (validated: a ValidationError names each bad field); `now` is the server's clock. */
export async function dropsReportFor(store: Store, businessId: string, raw: unknown, now: Date): Promise<DropsReport> {
  const q = parseInput(dropsQuery, raw, 'query');
  return dropsReport(store, businessId, { ...q, now });
}

/** The pairs of a period and what they were made of: the period's answers and the events of the same people. */
export interface PeriodPairs {
  pairs: ScorePair[];
  periodPoints: ScorePoint[];
  eventPoints: EventPoint[];
}

/**
 * The pairs of consecutive answers whose second answer is in the period, for one business. Reads
 * the scored surveys of the period, the earlier answers and events of the same people (their linked
 * addresses as one person). Lean, business-scoped queries.
 */
export async function periodPairs(store: Store, businessId: string, q: DropsQuery): Promise<PeriodPairs> {
  const windowDays = q.windowDays ?? 30;
  const period = { from: q.from, to: q.to, fromWeek: q.fromWeek, toWeek: q.toWeek };
  const inPeriod = await store.surveys.scored(businessId, period, { kind: q.kind });
  const periodIds = new Set(inPeriod.map((s) => s.id));
  const customers = await store.customers.byIds(businessId, [...new Set(inPeriod.map((s) => s.customerId))]);
  const people = [...new Set(customers.map((c) => c.personId ?? c.id))];
  const addresses = await store.customers.ofPersons(businessId, people);
  const personOf = new Map(addresses.map((c) => [c.id, c.personId ?? c.id]));
  const ids = [...personOf.keys()];

  // Earlier answers of the same people (the first of each pair may be before the period), and their events.
  const last = inPeriod.at(-1)?.answeredAt;
  const surveys = last ? await store.surveys.scored(businessId, { to: new Date(last.getTime() + 1) }, { kind: q.kind, customerIds: ids }) : [];
  const points: ScorePoint[] = surveys.map((s) => ({ surveyId: s.id, person: personOf.get(s.customerId) ?? s.customerId, kind: s.kind, score: s.score, at: s.answeredAt }));
  // Events are needed from the answer before each person's first one in the period (pairs), and a
  // window before the period (time to solution, interaction change). `points` are in answer order.
  let earliest = inPeriod.reduce((min, s) => Math.min(min, s.answeredAt.getTime() - windowDays * 86_400_000), Infinity);
  const latest = new Map<string, ScorePoint>();
  const seen = new Set<string>();
  for (const p of points) {
    const series = `${p.person}|${p.kind}`;
    const before = latest.get(series);
    if (periodIds.has(p.surveyId) && !seen.has(series)) {
      seen.add(series);
      if (before) earliest = Math.min(earliest, before.at.getTime());
    }
    latest.set(series, p);
  }
  const events = points.length ? await store.events.ofCustomers(businessId, ids, { from: new Date(earliest) }) : [];
  const eventPoints: EventPoint[] = events.map((e) => ({ person: personOf.get(e.customerId) ?? e.customerId, type: e.type, at: e.at, attributes: e.attributes }));
  return { pairs: scorePairs(points, eventPoints).filter((p) => periodIds.has(p.after.surveyId)), periodPoints: points.filter((p) => periodIds.has(p.surveyId)), eventPoints };
}

/** What came before score drops in a period, for one business: its pairs handed to the pure functions of `drops.ts`. */
export async function dropsReport(store: Store, businessId: string, q: DropsQuery): Promise<DropsReport> {
  const windowDays = q.windowDays ?? 30;
  const { pairs, periodPoints, eventPoints } = await periodPairs(store, businessId, q);
  return {
    query: q,
    pairs: pairs.length,
    drops: pairs
      .filter((p) => p.drop)
      .map((p) => ({
        person: p.person,
        kind: p.kind,
        from: { surveyId: p.before.surveyId, score: p.before.score, at: p.before.at },
        to: { surveyId: p.after.surveyId, score: p.after.score, at: p.after.at },
        events: p.between.map((e) => ({ type: e.type, at: e.at, attributes: e.attributes })),
      })),
    features: precedingFeatures(pairs),
    timeToSolution: timeToSolution(periodPoints, eventPoints, windowDays),
    ...(q.now ? { interactionChange: interactionChange(periodPoints, eventPoints, q.now, windowDays) } : {}),
  };
}
