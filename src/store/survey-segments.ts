import type { Model } from 'mongoose';
import type { SurveyKind } from '../domain/surveys.js';

/** A scored answer as the segment report reads it: no customer, no comment, only what it is grouped by. */
export interface SegmentAnswer {
  kind: SurveyKind;
  score: number;
  tags: string[];
  context: { product?: string; location?: string; staff?: string };
  /** Features of the customer's events in the 30 days before the survey. */
  precededBy: string[];
  /** The reason the customer chose (the business's optional reason question). */
  reason?: string;
}

/** The segment counts' one read: a week's scored answers, for the week's kept analysis. */
export class SurveySegmentReads {
  constructor(private readonly model: Model<Record<string, unknown>>) {}

  /** A week's scored answers (invitation week, as the counters count them), served by (businessId, week): for the week's kept analysis. */
  async ofWeek(businessId: string, week: string): Promise<SegmentAnswer[]> {
    const docs = await this.model.find({ businessId, week, score: { $ne: null } }, projection).lean<Array<Record<string, unknown>>>();
    return docs.map(toAnswer);
  }
}

const projection = { _id: 0, kind: 1, score: 1, tags: 1, context: 1, precededBy: 1, reason: 1 };
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

function toAnswer(d: Record<string, unknown>): SegmentAnswer {
  const c = (d.context ?? {}) as Record<string, unknown>;
  const context = Object.fromEntries((['product', 'location', 'staff'] as const).flatMap((k) => (str(c[k]) ? [[k, c[k] as string]] : [])));
  return { kind: d.kind as SurveyKind, score: d.score as number, tags: (d.tags as string[] | undefined) ?? [], context, precededBy: (d.precededBy as string[] | undefined) ?? [], ...(str(d.reason) ? { reason: d.reason as string } : {}) };
}
