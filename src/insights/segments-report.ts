import { z } from 'zod';
import { surveyKinds, type SurveyKind } from '../domain/surveys.js';
import { parseInput } from '../errors.js';
import type { Store } from '../store/index.js';
import { weeksBetween } from '../domain/calendar.js';
import { segmentsFromCounts, type SegmentStat } from './segments.js';
import { analysedWeeks, weeksSegmentCounts, type Analysed } from './week-analysis.js';

export interface SegmentsReport {
  from: Date;
  to: Date;
  kind?: SurveyKind;
  /** Answers counted, and whether the report counted only part of the period's (never: it adds up the kept weeks). */
  answers: number;
  truncated: boolean;
  /** Segments tried (the family of the correction). */
  tried: number;
  /** Flagged segments first, lowest effect first; then the rest, at most `limit` in all. */
  segments: SegmentStat[];
}

export const segmentsQuery = z
  .object({
    from: z.coerce.date(),
    to: z.coerce.date(),
    kind: z.enum(surveyKinds).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  })
  .refine((q) => q.from < q.to, { message: 'must be before to', path: ['from'] })
  .refine((q) => q.to.getTime() - q.from.getTime() <= 366 * 86_400_000, { message: 'at most a year', path: ['to'] });

/**
 * Which segments (cohort, event feature, cohort × feature) scored lowest over the business's weeks
 * from `from`'s to the one before `to` (each survey in the week it was started, as the counters count
 * it): added up from each week's kept segment counts, so no answer is read once the weeks are kept.
 */
export async function segmentsFor(store: Store, businessId: string, q: { from: Date; to: Date; kind?: SurveyKind; limit?: number }, timeZone = 'UTC'): Promise<Analysed<SegmentsReport>> {
  const { analyses, asOf } = await analysedWeeks(store, businessId, weeksBetween(q.from, q.to, timeZone), undefined, ['segments']);
  const counts = weeksSegmentCounts(analyses, q.kind);
  const all = segmentsFromCounts(counts);
  const answers = counts.reduce((sum, k) => sum + Object.values(k.all).reduce((s, n) => s + n, 0), 0);
  const report: SegmentsReport = { from: q.from, to: q.to, ...(q.kind ? { kind: q.kind } : {}), answers, truncated: false, tried: all.length, segments: all.slice(0, q.limit ?? 20) };
  return asOf ? { report, asOf } : { report };
}

/** The segments report for an API query (validated: a ValidationError names each bad field), in the business's weeks. */
export async function segmentsReportFor(store: Store, businessId: string, raw: unknown): Promise<Analysed<SegmentsReport>> {
  const q = parseInput(segmentsQuery, raw, 'query');
  return segmentsFor(store, businessId, q, await store.businesses.timeZone(businessId));
}
