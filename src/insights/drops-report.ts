import { z } from 'zod';
import { weeksBetween } from '../domain/calendar.js';
import { surveyKinds, type SurveyKind } from '../domain/surveys.js';
import { parseInput, ValidationError } from '../errors.js';
import type { Store } from '../store/index.js';
import { interactionChange, timeToSolution, type EventPoint, type FeatureStat, type InteractionChange, type TimeToSolution } from './drops.js';
import { pairsOf } from './period-pairs.js';
import { analysedWeeks, weeksDropFeatures, weeksPairs, type Analysed } from './week-analysis.js';

/**
 * What came before score drops over the business's weeks from `from`'s to the one before `to` (each
 * survey in the week it was started, as the counters count it). The counts and the features are
 * the whole period's, added up from the kept week analyses; the lists are one page of the period's
 * answers (`limit` of them, in week order), so no request reads more than a page however large the
 * period: `next` asks for the following page.
 */
export interface DropsReport {
  query: DropsQuery;
  /** The period's pairs of consecutive answers (their second answer in the period), and how many are drops. */
  pairs: number;
  dropCount: number;
  /** Features that precede drops more often than stable or rising scores, over the period (see `precedingFeatures`). */
  features: FeatureStat[];
  /** The page: its answers, and the cursor of the next page (null on the last). */
  page: { answers: number; next: string | null };
  /** The drops whose second answer is in the page, each with the events between its two answers. */
  drops: Array<{ person: string; kind: SurveyKind; from: { surveyId: string; score: number; at: Date }; to: { surveyId: string; score: number; at: Date }; events: Array<{ type: string; at: Date; attributes: EventPoint['attributes'] }> }>;
  /** Of the page's CES answers. */
  timeToSolution: TimeToSolution;
  /** Of the page's answers whose after-window has ended. */
  interactionChange: InteractionChange;
}

/** A page's cursor: the week and id of the page's last answer. */
export const dropsCursor = /^(\d{4}-\d{2}-\d{2})\.([0-9a-f]{24})$/;

/** The API's query for the drops report: a period of at most a year, ISO dates or times; a page of `limit` answers after the cursor `after`. */
export const dropsQuery = z
  .object({
    from: z.coerce.date(),
    to: z.coerce.date(),
    kind: z.enum(surveyKinds).optional(),
    windowDays: z.coerce.number().int().min(1).max(365).default(30),
    limit: z.coerce.number().int().min(1).max(1000).default(200),
    after: z.string().regex(dropsCursor, 'must be the `next` of a page').optional(),
  })
  .refine((q) => q.from < q.to, { message: 'must be before to', path: ['from'] })
  .refine((q) => q.to.getTime() - q.from.getTime() <= 366 * 86_400_000, { message: 'at most a year', path: ['to'] });
export type DropsQuery = z.infer<typeof dropsQuery>;

/** The drops report for an API query (validated: a ValidationError names each bad field), in the business's weeks; `now` is the server's clock. */
export async function dropsReportFor(store: Store, businessId: string, raw: unknown, now: Date): Promise<Analysed<DropsReport>> {
  const q = parseInput(dropsQuery, raw, 'query');
  return dropsReport(store, businessId, q, now, await store.businesses.timeZone(businessId));
}

/** The drops report of a validated query (see `DropsReport`). */
export async function dropsReport(store: Store, businessId: string, q: DropsQuery, now: Date, timeZone = 'UTC'): Promise<Analysed<DropsReport>> {
  const weeks = weeksBetween(q.from, q.to, timeZone);
  const [fromWeek, toWeek] = [weeks[0]!, weeks.at(-1)!];
  const after = q.after ? dropsCursor.exec(q.after)! : undefined;
  if (after && (after[1]! < fromWeek || after[1]! > toWeek)) throw new ValidationError('query.after: not a page of this period');
  const { analyses, asOf } = await analysedWeeks(store, businessId, weeks, undefined, ['drops']);
  const read = await store.surveys.scoredPage(businessId, { fromWeek, toWeek }, { kind: q.kind, after: after && { week: after[1]!, id: after[2]! }, limit: q.limit + 1 });
  const page = read.slice(0, q.limit);
  const last = page.at(-1);
  const { pairs, periodPoints, eventPoints } = await pairsOf(store, businessId, page, q);
  const counted = weeksPairs(analyses, q.kind);
  const report: DropsReport = {
    query: q,
    pairs: counted.pairs,
    dropCount: counted.drops,
    features: weeksDropFeatures(analyses, q.kind),
    page: { answers: page.length, next: read.length > q.limit && last ? `${last.week}.${last.id}` : null },
    drops: pairs
      .filter((p) => p.drop)
      .map((p) => ({
        person: p.person,
        kind: p.kind,
        from: { surveyId: p.before.surveyId, score: p.before.score, at: p.before.at },
        to: { surveyId: p.after.surveyId, score: p.after.score, at: p.after.at },
        events: p.between.map((e) => ({ type: e.type, at: e.at, attributes: e.attributes })),
      })),
    timeToSolution: timeToSolution(periodPoints, eventPoints, q.windowDays),
    interactionChange: interactionChange(periodPoints, eventPoints, now, q.windowDays),
  };
  return asOf ? { report, asOf } : { report };
}
