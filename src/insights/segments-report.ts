import { z } from 'zod';
import { surveyKinds, type SurveyKind } from '../domain/surveys.js';
import { parseInput } from '../errors.js';
import type { Store } from '../store/index.js';
import { segmentsReport, type SegmentStat } from './segments.js';

/** The most answers one report reads (indexed by business and answer time); beyond it the report says it is partial. */
export const maxSegmentAnswers = 50_000;

export interface SegmentsReport {
  from: Date;
  to: Date;
  kind?: SurveyKind;
  /** Answers read, and whether the period had more than the report reads. */
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

/** Which segments (cohort, event feature, cohort × feature) scored lowest in [from, to), by answer time. */
export async function segmentsFor(store: Store, businessId: string, q: { from: Date; to: Date; kind?: SurveyKind; limit?: number }): Promise<SegmentsReport> {
  const { answers, truncated } = await store.surveySegments.answers(businessId, { from: q.from, to: q.to }, { kind: q.kind, limit: maxSegmentAnswers });
  const all = segmentsReport(answers);
  return { from: q.from, to: q.to, ...(q.kind ? { kind: q.kind } : {}), answers: answers.length, truncated, tried: all.length, segments: all.slice(0, q.limit ?? 20) };
}

/** The segments report for an API query (validated: a ValidationError names each bad field). */
export async function segmentsReportFor(store: Store, businessId: string, raw: unknown): Promise<SegmentsReport> {
  return segmentsFor(store, businessId, parseInput(segmentsQuery, raw, 'query'));
}
