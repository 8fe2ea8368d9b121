import { Schema, type Connection } from 'mongoose';
import { modelOn, type AnyModel } from './model.js';
import { isDuplicateKey } from './write-guard.js';

/**
 * Send slots shared by every instance: a provider sender's time is cut into slots of `slotMs`, and a
 * send may go only in a slot it claimed. A claim is the insert of the slot's document, whose `_id`
 * names the sender and the slot, so the unique `_id` lets exactly one instance have it. An insert
 * is atomic on MongoDB and on both test servers (FerretDB loses concurrent `$inc`s, a unique `_id`
 * it keeps), so no server needs a compensation here.
 */
const slotSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** When the slot begins: the TTL index removes it a minute later. */
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
slotSchema.index({ at: 1 }, { expireAfterSeconds: 60, name: 'slot_expiry' });

/** Claims tried past the first free-looking slot before giving up (each instance holds at most one ahead). */
const maxTries = 1_000;
/** Servers without TTL indexes (the test servers) are pruned by the claims themselves, this often. */
const pruneEvery = 2_000;
const keepMs = 60_000;

export class SendSlotRepository {
  private claims = 0;

  constructor(private readonly model: AnyModel) {}

  static model(conn: Connection): AnyModel {
    return modelOn(conn, 'SendSlot', slotSchema, 'send_slots');
  }

  /**
   * The first slot at or after `from` that no instance holds yet for `sender`, now held by the
   * caller. Slot `n` begins at `n * slotMs` ms of the Unix epoch.
   */
  async claim(sender: string, from: number, slotMs: number): Promise<number> {
    if (++this.claims % pruneEvery === 0) void this.deleteBefore(new Date(from * slotMs - keepMs)).catch(() => {});
    for (let slot = from; slot < from + maxTries; slot++) {
      try {
        await this.model.collection.insertOne({ _id: `${sender}:${slot}` as never, at: new Date(slot * slotMs) });
        return slot;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    throw new Error(`no free send slot in ${maxTries} after the first one tried`);
  }

  /** What the TTL index removes on MongoDB, for servers without one. */
  async deleteBefore(at: Date): Promise<number> {
    const { deletedCount } = await this.model.deleteMany({ at: { $lt: at } });
    return deletedCount;
  }
}
