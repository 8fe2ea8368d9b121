import { Schema, type Connection } from 'mongoose';
import { modelOn, type AnyModel } from './model.js';
import type { Locale, SurveyKind } from '../domain/surveys.js';

/**
 * A web chat opened and not answered yet: what the survey will be once the visitor answers (its
 * kind, language, where the chat was opened and what it is about). A page view stores this, never a
 * survey; the sweeper removes sessions past `expiresAt`.
 */
const sessionSchema = new Schema(
  {
    businessId: { type: String, required: true },
    visitorId: { type: String, required: true },
    kind: { type: String, required: true },
    locale: String,
    name: String,
    /** Where the chat was opened: `web` (the chat page), `widget` (a business's website), `link:<code>` (a survey link). */
    entry: { type: String, required: true },
    context: { _id: false, order: String, customer: String, product: String, location: String, staff: String },
    /** A digest of the device id the page keeps (never the id itself). */
    device: String,
    openedAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    /** Set by the first answer that starts the survey (once, whichever request wins). */
    startedAt: Date,
    /** Set once the survey exists: later answers go straight to it. */
    readyAt: Date,
  },
  { versionKey: false },
);
sessionSchema.index({ businessId: 1, visitorId: 1 }, { unique: true });
sessionSchema.index({ expiresAt: 1 });

export interface WebSessionContext {
  order?: string;
  customer?: string;
  product?: string;
  location?: string;
  staff?: string;
}

export interface WebSession {
  visitorId: string;
  kind: SurveyKind;
  locale?: Locale;
  name?: string;
  entry: string;
  context?: WebSessionContext;
  device?: string;
  openedAt: Date;
  startedAt?: Date;
  readyAt?: Date;
}

export class WebSessionRepository {
  constructor(readonly model: AnyModel) {}

  static model(conn: Connection): AnyModel {
    return modelOn(conn, 'WebSession', sessionSchema, 'web_sessions');
  }

  async open(businessId: string, session: Omit<WebSession, 'startedAt'>, expiresAt: Date): Promise<void> {
    await this.model.create({ businessId, ...session, expiresAt });
  }

  async get(businessId: string, visitorId: string): Promise<WebSession | undefined> {
    const d = await this.model.findOne({ businessId, visitorId }).lean<Record<string, unknown>>();
    if (!d) return undefined;
    const context = d.context as WebSessionContext | undefined;
    return {
      visitorId: d.visitorId as string,
      kind: d.kind as SurveyKind,
      ...(d.locale ? { locale: d.locale as Locale } : {}),
      ...(d.name ? { name: d.name as string } : {}),
      entry: d.entry as string,
      ...(context && Object.values(context).some(Boolean) ? { context } : {}),
      ...(d.device ? { device: d.device as string } : {}),
      openedAt: d.openedAt as Date,
      ...(d.startedAt ? { startedAt: d.startedAt as Date } : {}),
      ...(d.readyAt ? { readyAt: d.readyAt as Date } : {}),
    };
  }

  /** Mark the session started; true only for the one request that did it. */
  async claim(businessId: string, visitorId: string, at: Date): Promise<boolean> {
    return (await this.model.updateOne({ businessId, visitorId, startedAt: { $exists: false } }, { $set: { startedAt: at } })).modifiedCount === 1;
  }

  /** Take over a claim whose holder never finished (it died between the claim and the survey). */
  async steal(businessId: string, visitorId: string, staleBefore: Date, at: Date): Promise<boolean> {
    return (await this.model.updateOne({ businessId, visitorId, startedAt: { $lt: staleBefore }, readyAt: { $exists: false } }, { $set: { startedAt: at } })).modifiedCount === 1;
  }

  /** The survey exists now. */
  async ready(businessId: string, visitorId: string, at: Date): Promise<void> {
    await this.model.updateOne({ businessId, visitorId }, { $set: { readyAt: at } });
  }

  /** Give a claim back (its answer was refused): the visitor may try again later. */
  async unclaim(businessId: string, visitorId: string): Promise<void> {
    await this.model.updateOne({ businessId, visitorId }, { $unset: { startedAt: 1 } });
  }

  async deleteExpiredBefore(at: Date): Promise<number> {
    return (await this.model.deleteMany({ expiresAt: { $lt: at } })).deletedCount;
  }
}
