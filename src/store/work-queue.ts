import { Types } from 'mongoose';
import type { AnyModel } from './model.js';
import { duplicateIndexes, type WriteGuard } from './write-guard.js';

/**
 * What the two work queues (the outbox's messages, the outbound webhooks' deliveries) share: named
 * items queued once, the oldest due pending one, and one attempt taken by exactly one worker.
 */
type Doc = Record<string, unknown> & { _id: Types.ObjectId };

/**
 * Insert items; those whose name (a unique `_id`, or another unique key) is already taken are left
 * as they are. Returns the indexes of those. Each is written as mongoose would write it (cast to the
 * schema, its defaults and timestamps) without a mongoose document built and validated for each: a
 * quarter of the CPU per item, and an upload inserts thousands.
 */
export async function insertOnce(model: AnyModel, docs: ReadonlyArray<{ _id: Types.ObjectId }>): Promise<Set<number>> {
  if (!docs.length) return new Set();
  try {
    await model.insertMany(docs.map(storedBy(model)), { ordered: false, lean: true });
    return new Set();
  } catch (err) {
    const queued = duplicateIndexes(err, docs.length);
    if (!queued) throw err;
    return queued;
  }
}

/**
 * What makes a document as mongoose's own insert stores it: cast to the schema (unknown fields left
 * out), its defaults, empty objects left out (the schema's `minimize`), its timestamps (the times a
 * document gives are kept, the others are the insert's). The schema is read once per insert.
 */
function storedBy(model: AnyModel): (doc: object) => object {
  const minimizes = model.schema.get('minimize') !== false;
  const timestamps = model.schema.get('timestamps');
  if (timestamps && timestamps !== true) throw new Error('insertOnce: only `timestamps: true` is supported');
  const at = new Date();
  return (doc) => {
    const stored = model.applyDefaults(model.castObject(doc)) as Record<string, unknown>;
    if (minimizes) minimize(stored);
    return timestamps ? { ...stored, createdAt: stored.createdAt ?? at, updatedAt: stored.updatedAt ?? at } : stored;
  };
}

/** Leaves out the plain objects that are (or become) empty, as mongoose's `minimize` does. */
function minimize(obj: Record<string, unknown>): boolean {
  for (const [key, value] of Object.entries(obj)) {
    if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype && minimize(value as Record<string, unknown>)) delete obj[key];
  }
  return Object.keys(obj).length === 0;
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
