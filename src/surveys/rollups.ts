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
  const ops: RollupOp[] = [];
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
  // One write at a time per process: FerretDB v1 loses concurrent $inc on one document (MongoDB does not).
  const write = queue.then(() => upsertAll(store, ops));
  queue = write.catch(() => {});
  await write;
}

let queue: Promise<unknown> = Promise.resolve();

type RollupOp = { updateOne: { filter: { _id: string }; update: object; upsert: true } };

/**
 * Two first increments of the same counter can both try to insert it; the loser gets a duplicate
 * key error (MongoDB and FerretDB alike). The counter exists by then, so retrying just those
 * operations turns them into plain increments: no count is lost and none is added twice.
 */
async function upsertAll(store: Store, ops: RollupOp[], attempt = 0): Promise<void> {
  if (!ops.length) return;
  try {
    await store.rollups.bulkWrite(ops, { ordered: false });
  } catch (err) {
    const failed = duplicateKeyFailures(err);
    if (!failed || failed.length === 0 || attempt >= 3) throw err;
    await upsertAll(store, failed.map((i) => ops[i]!), attempt + 1);
  }
}

/** Indexes of the operations that failed only on a duplicate key, or undefined if anything else failed. */
function duplicateKeyFailures(err: unknown): number[] | undefined {
  const writeErrors = (err as { writeErrors?: unknown }).writeErrors;
  const list = (Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : []) as Array<{ code?: number; index?: number; err?: { index?: number } }>;
  if (list.length === 0) return undefined;
  if (list.some((e) => e.code !== 11000)) return undefined;
  return list.map((e) => e.index ?? e.err?.index ?? -1).filter((i) => i >= 0);
}
