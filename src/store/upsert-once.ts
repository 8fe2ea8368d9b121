import type { AnyBulkWriteOperation } from 'mongoose';
import type { AnyModel } from './model.js';

/**
 * One unordered bulk of `$setOnInsert` upserts, each by a key that names its record: per operation,
 * whether it created the record or found it there already (a retry of the same batch, or the same
 * record written at the same time, whose duplicate-key error is a duplicate too).
 */
export async function upsertOnce(model: AnyModel, ops: AnyBulkWriteOperation[]): Promise<Array<'created' | 'duplicate'>> {
  if (!ops.length) return [];
  const created = new Set<number>();
  try {
    const result = await model.bulkWrite(ops, { ordered: false });
    for (const index of Object.keys(result.upsertedIds ?? {})) created.add(Number(index));
  } catch (err) {
    const e = err as { writeErrors?: Array<{ code?: number }>; result?: { upsertedIds?: Record<string, unknown>; getUpsertedIds?: () => Array<{ index: number }> } };
    if (!Array.isArray(e.writeErrors) || e.writeErrors.some((w) => w.code !== 11000)) throw err;
    const upserted = e.result?.upsertedIds ?? Object.fromEntries((e.result?.getUpsertedIds?.() ?? []).map((u) => [u.index, true]));
    for (const index of Object.keys(upserted)) created.add(Number(index));
  }
  return ops.map((_, i) => (created.has(i) ? 'created' : 'duplicate'));
}
