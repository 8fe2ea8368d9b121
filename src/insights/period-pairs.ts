import type { SurveyKind } from '../domain/surveys.js';
import type { ScoredSurvey, Store } from '../store/index.js';
import { scorePairs, type EventPoint, type ScorePair, type ScorePoint } from './drops.js';

/** The pairs of some answers and what they were made of: those answers and the events of the same people. */
export interface PeriodPairs {
  pairs: ScorePair[];
  periodPoints: ScorePoint[];
  eventPoints: EventPoint[];
}

/**
 * The pairs of consecutive answers whose second answer is of the weeks `fromWeek`..`toWeek` (each
 * survey in the week it was started): what a week's analysis counts. Reads the weeks' scored surveys.
 */
export async function periodPairs(store: Store, businessId: string, q: { fromWeek: string; toWeek: string; kind?: SurveyKind; windowDays?: number }): Promise<PeriodPairs> {
  return pairsOf(store, businessId, await store.surveys.scored(businessId, { fromWeek: q.fromWeek, toWeek: q.toWeek }, { kind: q.kind }), q);
}

/**
 * The pairs of consecutive answers whose second answer is one of `answers`, for one business. Reads
 * the customers of those answers, the earlier answers and events of the same people (their linked
 * addresses as one person). Lean, business-scoped queries.
 */
export async function pairsOf(store: Store, businessId: string, answers: readonly ScoredSurvey[], q: { kind?: SurveyKind; windowDays?: number }): Promise<PeriodPairs> {
  if (!answers.length) return { pairs: [], periodPoints: [], eventPoints: [] };
  const windowDays = q.windowDays ?? 30;
  const answerIds = new Set(answers.map((s) => s.id));
  const customers = await store.customers.byIds(businessId, [...new Set(answers.map((s) => s.customerId))]);
  const people = [...new Set(customers.map((c) => c.personId ?? c.id))];
  const addresses = await store.customers.ofPersons(businessId, people);
  const personOf = new Map(addresses.map((c) => [c.id, c.personId ?? c.id]));
  const ids = [...personOf.keys()];

  // Earlier answers of the same people (the first of each pair may be before the period), and their events.
  const last = answers.reduce((max, s) => Math.max(max, s.answeredAt.getTime()), -Infinity);
  const surveys = ids.length ? await store.surveys.scored(businessId, { to: new Date(last + 1) }, { kind: q.kind, customerIds: ids }) : [];
  const points: ScorePoint[] = surveys.map((s) => ({ surveyId: s.id, person: personOf.get(s.customerId) ?? s.customerId, kind: s.kind, score: s.score, at: s.answeredAt }));
  // Events are needed from the answer before each person's first one of `answers` (pairs), and a
  // window before the answers (time to solution, interaction change). `points` are in answer order.
  let earliest = answers.reduce((min, s) => Math.min(min, s.answeredAt.getTime() - windowDays * 86_400_000), Infinity);
  const latest = new Map<string, ScorePoint>();
  const seen = new Set<string>();
  for (const p of points) {
    const series = `${p.person}|${p.kind}`;
    const before = latest.get(series);
    if (answerIds.has(p.surveyId) && !seen.has(series)) {
      seen.add(series);
      if (before) earliest = Math.min(earliest, before.at.getTime());
    }
    latest.set(series, p);
  }
  const events = points.length ? await store.events.ofCustomers(businessId, ids, { from: new Date(earliest) }) : [];
  const eventPoints: EventPoint[] = events.map((e) => ({ person: personOf.get(e.customerId) ?? e.customerId, type: e.type, at: e.at, attributes: e.attributes }));
  return { pairs: scorePairs(points, eventPoints).filter((p) => answerIds.has(p.after.surveyId)), periodPoints: points.filter((p) => answerIds.has(p.surveyId)), eventPoints };
}
