import { Schema, type Connection } from 'mongoose';

/**
 * Counters per (business, kind, week, cohort, metric, score): the computed pattern. Digests and
 * stats read these few documents instead of scanning surveys. `_id` is the key, so `$inc` with
 * upsert is one atomic write.
 */
const rollupSchema = new Schema(
  {
    _id: { type: String, required: true },
    businessId: { type: String, required: true },
    kind: { type: String, required: true },
    week: { type: String, required: true },
    cohort: { type: String, required: true },
    metric: { type: String, enum: ['sent', 'started', 'completed', 'commented', 'score'], required: true },
    score: Number,
    count: { type: Number, default: 0 },
  },
  { versionKey: false },
);
rollupSchema.index({ businessId: 1, week: 1 });

export function rollupModel(conn: Connection) {
  return conn.model('Rollup', rollupSchema, 'rollups');
}
