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

function toSettings(d: Record<string, unknown>): BusinessSettings {
  const w = d.sendWindow as BusinessSettings['sendWindow'];
  return {
    id: d._id as string,
    name: d.name as string,
    timeZone: d.timeZone as string,
    locale: d.locale as Locale,
    country: d.country as string,
    sendWindow: { startMinute: w.startMinute, endMinute: w.endMinute },
    throttleDays: d.throttleDays as number,
  };
}

export class BusinessRepository {
  constructor(readonly model: AnyModel) {}

  static model(conn: Connection): AnyModel {
    return modelOn(conn, 'Business', businessSchema, 'businesses');
  }

  async get(id: string): Promise<BusinessSettings | undefined> {
    const doc = await this.model.findOne({ _id: id }).lean<Record<string, unknown>>();
    return doc ? toSettings(doc) : undefined;
  }

  async list(): Promise<BusinessSettings[]> {
    return (await this.model.find({}).sort({ _id: 1 }).lean<Record<string, unknown>[]>()).map(toSettings);
  }

  async save(business: BusinessSettings): Promise<void> {
    const { id, ...fields } = business;
    await this.model.updateOne({ _id: id }, { $set: fields }, { upsert: true });
  }
}
