import type { Store } from '../store/index.js';

export type RollupMetric = 'sent' | 'started' | 'completed' | 'commented' | 'score';

/**
 * Add one survey to the counters of its week, once for all surveys and once per tag (cohort).
 * Called only after the state change that the atomic update won, so retries never count twice.
 */
export async function countRollups(
  store: Store,
  key: { businessId: string; kind: string; week: string; tags?: readonly string[] | null },
  metrics: readonly RollupMetric[],
  score?: number | null,
): Promise<void> {
  const cohorts = ['all', ...(key.tags ?? []).map((t) => `tag:${t}`)];
  const ops = [];
  for (const metric of metrics) {
    for (const cohort of cohorts) {
      const s = metric === 'score' ? score : undefined;
      if (metric === 'score' && (s === undefined || s === null)) continue;
      const _id = [key.businessId, key.kind, key.week, cohort, metric, s ?? ''].join('|');
      ops.push({
        updateOne: {
          filter: { _id },
          update: {
            $setOnInsert: { businessId: key.businessId, kind: key.kind, week: key.week, cohort, metric, ...(s !== undefined ? { score: s } : {}) },
            $inc: { count: 1 },
          },
          upsert: true,
        },
      });
    }
  }
  if (ops.length) await store.rollups.bulkWrite(ops, { ordered: false });
}
