import { Schema, type Connection, type InferSchemaType } from 'mongoose';

const businessSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    timeZone: { type: String, required: true },
    locale: { type: String, enum: ['en', 'es', 'ur'], required: true },
    country: { type: String, required: true },
    sendWindow: { startMinute: { type: Number, required: true }, endMinute: { type: Number, required: true } },
    throttleDays: { type: Number, required: true },
  },
  { timestamps: true, versionKey: false },
);

export type Business = InferSchemaType<typeof businessSchema>;

export function businessModel(conn: Connection) {
  return conn.model('Business', businessSchema, 'businesses');
}
