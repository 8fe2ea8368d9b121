import { Schema, type Connection } from 'mongoose';

/** Every inbound provider message id, claimed once: delivery is at least once, handling is exactly once. */
const inboundSchema = new Schema(
  {
    channel: { type: String, required: true },
    providerMessageId: { type: String, required: true },
    receivedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
inboundSchema.index({ channel: 1, providerMessageId: 1 }, { unique: true });
inboundSchema.index({ receivedAt: 1 });

export function inboundModel(conn: Connection) {
  return conn.model('Inbound', inboundSchema, 'inbound');
}
