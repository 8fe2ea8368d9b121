import { createHash } from 'node:crypto';
import { Types, type Model } from 'mongoose';
import type { RollupMetric } from './rollups.js';
import type { ScoredSurvey, SurveyContext } from './survey-records.js';
import type { AnalysisInputs } from './week-analyses.js';
import { upsertOnce } from './upsert-once.js';

/** An answered survey from another tool, with its own dates, ready to store. */
export interface ImportedSurvey extends Omit<ScoredSurvey, 'id' | 'context'> {
  businessId: string;
  address: string;
  tags: string[];
  context?: SurveyContext;
  /** Features of the customer's events in the 30 days before the answer: its `event:` cohorts. */
  precededBy?: string[];
  source: string;
  sourceId: string;
}

/** The id of an imported answer: the same (business, source, source id) is always the same survey. */
export function importedSurveyId(businessId: string, source: string, sourceId: string): string {
  return createHash('sha256').update(`${businessId}\u0000${source}\u0000${sourceId}`).digest('hex').slice(0, 24);
}

/** What an imported answer counts: the whole funnel at once, and its score. */
export const importMetrics = (s: { comment?: string }): RollupMetric[] => ['sent', 'scored', 'completed', ...(s.comment ? (['commented'] as const) : []), 'score'];

/**
 * Imported surveys, stored in the surveys collection closed and completed. One unordered bulk of
 * `$setOnInsert` upserts by the derived `_id` (no extra index, idempotent on every supported server);
 * the counters are added after it, and a crash in between is corrected when the week is recounted
 * (an increment to a closed week reopens it for the sweeper's next recount).
 */
export class SurveyImportRepository {
  constructor(
    private readonly model: Model<Record<string, unknown>>,
    private readonly analyses?: AnalysisInputs,
  ) {}

  async insert(surveys: readonly ImportedSurvey[], now: Date): Promise<Array<'created' | 'duplicate'>> {
    if (!surveys.length) return [];
    const ops = surveys.map(({ source, sourceId, customerId, ...s }) => {
      const id = importedSurveyId(s.businessId, source, sourceId);
      const doc = {
        ...s,
        customerId: new Types.ObjectId(customerId),
        state: 'completed',
        openKey: `closed:${id}`,
        vars: { business: '' },
        trigger: 'import',
        imported: { source, sourceId, at: now },
        reprompts: 0,
        invitedAt: s.answeredAt,
        completedAt: s.answeredAt,
        ...(s.comment ? { commented: true } : {}),
        rev: 1,
      };
      return { updateOne: { filter: { _id: new Types.ObjectId(id) }, update: { $setOnInsert: doc }, upsert: true } };
    });
    const results = await upsertOnce(this.model, ops);
    // An imported answer may come before answers already analysed (it pairs with the next one).
    const created = surveys.filter((_, i) => results[i] === 'created');
    for (const businessId of new Set(created.map((s) => s.businessId))) {
      const earliest = Math.min(...created.filter((s) => s.businessId === businessId).map((s) => s.answeredAt.getTime()));
      await this.analyses?.changed(businessId, new Date(earliest));
    }
    return results;
  }
}
