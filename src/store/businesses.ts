import { Schema, type Connection } from 'mongoose';
import { modelOn, type AnyModel } from './model.js';
import type { Locale } from '../domain/surveys.js';

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

/** A business's settings: who asks, in which language and time zone, when, and how often. */
export interface BusinessSettings {
  id: string;
  name: string;
  timeZone: string;
  locale: Locale;
  country: string;
  /** Minutes since local midnight between which customers may be messaged. */
  sendWindow: { startMinute: number; endMinute: number };
  throttleDays: number;
}

export class BusinessRepository {
  constructor(readonly model: AnyModel) {}

  static model(conn: Connection): AnyModel {
    return modelOn(conn, 'Business', businessSchema, 'businesses');
  }

  async save(business: BusinessSettings): Promise<void> {
    const { id, ...fields } = business;
    await this.model.updateOne({ _id: id }, { $set: fields }, { upsert: true });
  }
}
