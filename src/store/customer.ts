import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/**
 * One person reachable on one channel address. `optedOutAt` set means: never message them there.
 * `personId` ties the addresses of one person together (set on both when staff send an existing
 * customer a Telegram link; it is the first address's `_id`); the throttle then counts surveys on all
 * of them. Absent: the person has this one address.
 */
const customerSchema = new Schema(
  {
    businessId: { type: String, required: true },
    channel: { type: String, required: true },
    address: { type: String, required: true },
    name: String,
    locale: { type: String, enum: ['en', 'es', 'ur'] },
    timeZone: String,
    tags: { type: [String], default: [] },
    optedOutAt: Date,
    optOutReason: String,
    lastSurveyedAt: Date,
    personId: Schema.Types.ObjectId,
  },
  { timestamps: true, versionKey: false },
);
customerSchema.index({ businessId: 1, channel: 1, address: 1 }, { unique: true });
customerSchema.index({ personId: 1 });

export type Customer = InferSchemaType<typeof customerSchema>;

export function customerModel(conn: Connection) {
  return conn.model('Customer', customerSchema, 'customers');
}
