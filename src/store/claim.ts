import { Schema, type Connection } from 'mongoose';

/**
 * One document per claimed step (`survey:<id>:<rev>`, `outbox:<id>:<attempt>`). Inserting it is the
 * claim: the unique `_id` lets exactly one writer win, on every MongoDB-compatible server. A
 * conditional update alone is not enough there: FerretDB v1 on SQLite was measured applying two
 * concurrent `updateOne({_id, rev: 0})` calls both, and losing concurrent `$inc`s.
 */
const claimSchema = new Schema({ _id: { type: String, required: true }, at: { type: Date, required: true }, by: String }, { versionKey: false });
claimSchema.index({ at: 1 });

export function claimModel(conn: Connection) {
  return conn.model('Claim', claimSchema, 'claims');
}
