import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/** Messages waiting to go out. A worker claims one with an atomic update before sending it. */
const outboxSchema = new Schema(
  {
    businessId: { type: String, required: true },
    channel: { type: String, required: true },
    address: { type: String, required: true },
    purpose: { type: String, enum: ['invitation', 'reminder', 'reply', 'alert', 'digest'], required: true },
    surveyId: Schema.Types.ObjectId,
    message: { type: Schema.Types.Mixed, required: true },
    state: { type: String, enum: ['pending', 'sending', 'sent', 'failed'], default: 'pending' },
    attempts: { type: Number, default: 0 },
    nextAttemptAt: { type: Date, required: true },
    lockedUntil: Date,
    providerMessageId: String,
    error: String,
    sentAt: Date,
    /** Last provider delivery report (delivered, undelivered, failed…). */
    deliveryStatus: String,
  },
  { timestamps: true, versionKey: false },
);
outboxSchema.index({ state: 1, nextAttemptAt: 1 });

export type OutboxItem = InferSchemaType<typeof outboxSchema>;

export function outboxModel(conn: Connection) {
  return conn.model('Outbox', outboxSchema, 'outbox');
}
