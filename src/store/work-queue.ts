import { Types } from 'mongoose';
import type { AnyModel } from './model.js';
import { duplicateIndexes, type WriteGuard } from './write-guard.js';

/**
 * What the two work queues (the outbox's messages, the outbound webhooks' deliveries) share: named
 * items queued once, the oldest due pending one, and one attempt taken by exactly one worker.
 */
type Doc = Record<string, unknown> & { _id: Types.ObjectId };

/** Insert items; those whose name (a unique `_id`) is already queued are left as they are. Returns the indexes of those. */
export async function insertOnce(model: AnyModel, docs: ReadonlyArray<{ _id: Types.ObjectId }>): Promise<Set<number>> {
  if (!docs.length) return new Set();
  try {
    await model.insertMany(docs, { ordered: false });
    return new Set();
  } catch (err) {
    const queued = duplicateIndexes(err, docs.length);
    if (!queued) throw err;
    return queued;
  }
}

/** The oldest due pending item (of `ids` when given). */
export function nextDue(model: AnyModel, now: Date, ids?: readonly string[]): Promise<Doc | null> {
  const filter = { state: 'pending', nextAttemptAt: { $lte: now }, ...(ids ? { _id: { $in: ids.map((id) => new Types.ObjectId(id)) } } : {}) };
  return model.findOne(filter).sort({ nextAttemptAt: 1 }).lean<Doc>();
}

/**
 * Take a pending item for one attempt (`attempts` as read): exactly one caller gets it, marked
 * `sending` until `lockedUntil`. With `dueBy`, only if it is due by then (an item not read first).
 */
export function take(model: AnyModel, guard: WriteGuard, collection: string, item: { id: string; attempts: number }, lockedUntil: Date, dueBy?: Date): Promise<Doc | null> {
  return guard.exclusive({ collection, id: item.id, version: item.attempts }, () =>
    model
      .findOneAndUpdate(
        { _id: new Types.ObjectId(item.id), state: 'pending', attempts: item.attempts, ...(dueBy ? { nextAttemptAt: { $lte: dueBy } } : {}) },
        { $set: { state: 'sending', lockedUntil }, $inc: { attempts: 1 } },
        { returnDocument: 'after' },
      )
      .lean<Doc>(),
  );
}
