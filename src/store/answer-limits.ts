import { Schema, type Connection } from 'mongoose';
import { modelOn, type AnyModel } from './model.js';

/**
 * Counts of web answers per business, entry point and local day: one document per device, per
 * network address (both as digests, never the values) and one of refused answers. Kept two days
 * past their day, then removed by the sweeper.
 */
const countSchema = new Schema(
  {
    _id: { type: String, required: true },
    businessId: { type: String, required: true },
    entry: { type: String, required: true },
    day: { type: String, required: true },
    by: { type: String, enum: ['device', 'network', 'refused'], required: true },
    count: { type: Number, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);
countSchema.index({ businessId: 1, by: 1, day: 1 });
countSchema.index({ expiresAt: 1 });

export interface CountKey {
  businessId: string;
  entry: string;
  /** The business's local day, YYYY-MM-DD. */
  day: string;
}

const idOf = (k: CountKey, by: string, who: string) => `${k.businessId}|${k.entry}|${k.day}|${by}|${who}`;
const isDuplicate = (err: unknown) => (err as { code?: number }).code === 11000;

export class AnswerLimitRepository {
  constructor(readonly model: AnyModel) {}

  static model(conn: Connection): AnyModel {
    return modelOn(conn, 'AnswerLimit', countSchema, 'answer_limits');
  }

  /**
   * Count one answer for `who` unless it already has `max`: one conditioned upsert (at the limit the
   * filter matches nothing and the insert meets the unique `_id`), so instances share the count.
   */
  async take(k: CountKey, by: 'device' | 'network', who: string, max: number, expiresAt: Date): Promise<boolean> {
    try {
      await this.model.updateOne({ _id: idOf(k, by, who), count: { $lt: max } }, { $inc: { count: 1 }, $setOnInsert: { ...k, by, expiresAt } }, { upsert: true });
      return true;
    } catch (err) {
      if (isDuplicate(err)) return false;
      throw err;
    }
  }

  /** Give back one answer taken for `who` (its other limit refused it). */
  async giveBack(k: CountKey, by: 'device' | 'network', who: string): Promise<void> {
    await this.model.updateOne({ _id: idOf(k, by, who), count: { $gt: 0 } }, { $inc: { count: -1 } });
  }

  /** Count one refused answer. */
  async refused(k: CountKey, expiresAt: Date): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.model.updateOne({ _id: idOf(k, 'refused', '') }, { $inc: { count: 1 }, $setOnInsert: { ...k, by: 'refused', expiresAt } }, { upsert: true });
        return;
      } catch (err) {
        // Two first refusals of a day inserted at once: the loser's increment finds the document now.
        if (!isDuplicate(err) || attempt > 2) throw err;
      }
    }
  }

  /** Refused answers per local day and entry point, for days from..to (inclusive). */
  async refusals(businessId: string, from: string, to: string): Promise<Array<{ day: string; entry: string; refused: number }>> {
    const docs = await this.model
      .find({ businessId, by: 'refused', day: { $gte: from, $lte: to } }, { day: 1, entry: 1, count: 1 })
      .sort({ day: 1 })
      .lean<Array<{ day: string; entry: string; count: number }>>();
    return docs.map((d) => ({ day: d.day, entry: d.entry, refused: d.count }));
  }

  async deleteExpiredBefore(at: Date): Promise<number> {
    return (await this.model.deleteMany({ expiresAt: { $lt: at } })).deletedCount;
  }
}
