import type { OwnerWords } from '../dialogs/prompts/owner-words.js';
import { reasonCohortPrefix } from '../domain/reasons.js';
import { surveyKinds, type SurveyKind } from '../domain/surveys.js';
import type { RollupCounts } from '../store/rollup-counts.js';

/** How many answers gave one reason (the business's optional reason question). */
export interface ReasonCount {
  reason: string;
  count: number;
}

/**
 * Answers per reason over some weeks, every survey kind together, from the `reason:<key>` cohort
 * counters: one counter per reason and week, however many surveys gave it. Most given first.
 */
export function reasonCounts(counts: RollupCounts, weeks: readonly string[], kinds: readonly SurveyKind[] = surveyKinds): ReasonCount[] {
  return counts
    .cohorts()
    .filter((c) => c.startsWith(reasonCohortPrefix))
    .map((cohort) => ({ reason: cohort.slice(reasonCohortPrefix.length), count: kinds.reduce((n, kind) => n + counts.sum(kind, weeks, cohort).scored, 0) }))
    .filter((r) => r.count > 0)
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

/** "Reasons: delivery 3, price 2", or nothing when no answer gave a reason. */
export function reasonLine(reasons: readonly ReasonCount[], w: OwnerWords): string | undefined {
  if (!reasons.length) return undefined;
  return w.t('reasons', { list: w.list(reasons.map((r) => w.t('reasons.item', { reason: r.reason, count: w.number(r.count) }))) });
}
