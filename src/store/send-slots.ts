import { Schema, type Connection } from 'mongoose';
import { modelOn, type AnyModel } from './model.js';
import { duplicateIndexes, type WriteGuard } from './write-guard.js';

/**
 * Send slots shared by every instance: a provider sender's time is cut into slots of `slotMs`, and a
 * send may go only in a slot it claimed. A claim is the insert of the slot's document, whose `_id`
 * names the sender and the slot, so the unique `_id` lets exactly one instance have it. An insert
 * is atomic on MongoDB and on both test servers (FerretDB loses concurrent `$inc`s, a unique `_id`
 * it keeps), so no server needs a compensation here.
 */
function slotSchema(server: WriteGuard['server']) {
  const schema = new Schema(
    {
      _id: { type: String, required: true },
      /** When the slot begins: the TTL index removes it a minute later. */
      at: { type: Date, required: true },
    },
    { versionKey: false },
  );
  // FerretDB v1 refuses the TTL option (and so the whole index build): there the claims prune.
  schema.index({ at: 1 }, server === 'ferretdb' ? { name: 'slot_expiry' } : { expireAfterSeconds: 60, name: 'slot_expiry' });
  return schema;
}

/** Servers without TTL indexes (FerretDB v1, mongo-java-server) are pruned by the claims themselves, this often. */
const pruneEvery = 2_000;
const keepMs = 60_000;

export class SendSlotRepository {
  private claims = 0;

  constructor(private readonly model: AnyModel) {}

  static model(conn: Connection, server: WriteGuard['server']): AnyModel {
    return modelOn(conn, 'SendSlot', slotSchema(server), 'send_slots');
  }

  /**
   * Of the `count` slots from `from` on, those no instance held yet for `sender`, now held by the
   * caller (in order; none when all were taken). Slot `n` begins at `n * slotMs` ms of the Unix
   * epoch. One unordered insert: each slot is won or lost on its own.
   */
  async claim(sender: string, from: number, count: number, slotMs: number): Promise<number[]> {
    if (++this.claims % pruneEvery === 0) void this.deleteBefore(new Date(from * slotMs - keepMs)).catch(() => {});
    const slots = Array.from({ length: count }, (_, i) => from + i);
    try {
      await this.model.collection.insertMany(slots.map((slot) => ({ _id: `${sender}:${slot}` as never, at: new Date(slot * slotMs) })), { ordered: false });
      return slots;
    } catch (err) {
      const lost = duplicateIndexes(err, count);
      if (!lost) throw err;
      return slots.filter((_, i) => !lost.has(i));
    }
  }

  /** What the TTL index removes on MongoDB, for servers without one. */
  async deleteBefore(at: Date): Promise<number> {
    const { deletedCount } = await this.model.deleteMany({ at: { $lt: at } });
    return deletedCount;
  }
}
