import { Schema, type Connection } from 'mongoose';
import { modelOn } from './model.js';
import { isDuplicateKey, upsertCounters, type WriteGuard } from './write-guard.js';

/*
 * The compensation for FerretDB v1, and the only place that knows about it.
 *
 * Measured on FerretDB 1.24 (SQLite and PostgreSQL backends): 40 concurrent
 * `findOneAndUpdate({_id, rev: 0})` calls can report up to 20 winners, and 40 concurrent `$inc`s on
 * one document end at 2-30. Unique indexes do hold. So:
 * - a guarded change first inserts a claim `<collection>:<id>:<version>` with a unique `_id`; only the
 *   caller whose insert succeeds runs its conditional update. A claim whose holder died before its
 *   update (older than `staleMs`, 10 s) is released, once, by the next caller: the update is conditioned on
 *   the version anyway, so releasing a claim whose update did happen changes nothing.
 * - every write to one document from this process waits for the one before it: FerretDB applies an
 *   update by reading the document and writing it back, so two concurrent updates of one document
 *   (an answer and its reply receipt, say) can lose one of them.
 * - counter increments of one process are written one bulk write at a time. Two server processes can
 *   still lose a count or an unguarded update under load; MongoDB cannot. FerretDB is the embedded
 *   and test database, not the production one.
 */

const claimSchema = new Schema({ _id: { type: String, required: true }, at: { type: Date, required: true } }, { versionKey: false });
claimSchema.index({ at: 1 });

/**
 * A claim is taken one round trip before its write; one this old belongs to a writer that is gone
 * (killed, or cut off from the database), and holding it longer only keeps its survey stuck.
 */
const staleMs = 10_000;

export function ferretDbGuard(conn: Connection, now: () => Date): WriteGuard & { init(): Promise<void> } {
  const claims = modelOn(conn, 'Claim', claimSchema, 'claims');
  let queue: Promise<unknown> = Promise.resolve();
  const lanes = new Map<string, Promise<unknown>>();

  /** Run `write` after every earlier write to the same document from this process. */
  const inLane = <T>(key: string, write: () => Promise<T>): Promise<T> => {
    const run = (lanes.get(key) ?? Promise.resolve()).then(write, write);
    const tail = run.catch(() => {});
    lanes.set(key, tail);
    void tail.then(() => lanes.get(key) === tail && lanes.delete(key));
    return run;
  };

  const take = async (key: string): Promise<boolean> => {
    try {
      await claims.create({ _id: key, at: now() });
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const held = await claims.findById(key, { at: 1 }).lean<{ at: Date }>();
    if (!held || now().getTime() - held.at.getTime() < staleMs) return false;
    const { deletedCount } = await claims.deleteOne({ _id: key, at: held.at });
    if (deletedCount !== 1) return false;
    return take(key);
  };

  return {
    server: 'ferretdb',
    init: async () => void (await claims.init()),
    exclusive(target, write) {
      return inLane(`${target.collection}:${target.id}`, async () => {
        if (!(await take(`${target.collection}:${target.id}:${target.version}`))) return null;
        return write();
      });
    },
    single: (target, write) => inLane(`${target.collection}:${target.id}`, write),
    async increment(collection, counters) {
      const next = queue.then(() => upsertCounters(conn, collection, counters));
      queue = next.catch(() => {});
      await next;
    },
    async housekeeping(at) {
      await claims.deleteMany({ at: { $lt: new Date(at.getTime() - 86_400_000) } });
    },
  };
}
