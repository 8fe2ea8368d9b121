import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/**
 * One weekly digest per business and period. The unique `(businessId, periodStart)` index is the
 * claim: of several instances sweeping at the scheduled minute, one insert wins. The outbox ids
 * are stored before the messages are queued, so a retry after a crash queues the same items, never twice.
 */
const digestSchema = new Schema(
  {
    businessId: { type: String, required: true },
    /** The week reported on (Monday, business time zone). */
    periodStart: { type: String, required: true },
    /** `sent` once every owner identity has it or was given up on; `failed` when none got it. */
    state: { type: String, enum: ['pending', 'sent', 'failed'], default: 'pending' },
    /**
     * One outbox item per owner identity; a failed item is replaced by a fresh one, up to `tries`
     * of 3, then `gaveUp` (a blocked bot or a dead number must not get a new item every sweep).
     */
    items: [
      {
        _id: false,
        outboxId: { type: Schema.Types.ObjectId, required: true },
        channel: { type: String, required: true },
        address: { type: String, required: true },
        tries: { type: Number, default: 1 },
        gaveUp: Boolean,
      },
    ],
    /** Incremented by every change of `items`; a change applies only to the revision it was computed from. */
    rev: { type: Number, default: 0 },
    sentAt: Date,
  },
  { timestamps: true, versionKey: false },
);
digestSchema.index({ businessId: 1, periodStart: 1 }, { unique: true });
digestSchema.index({ state: 1 });

export type Digest = InferSchemaType<typeof digestSchema>;

export function digestModel(conn: Connection) {
  return conn.model('Digest', digestSchema, 'digests');
}
