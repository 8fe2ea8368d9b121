import { Schema, type Connection } from 'mongoose';
import type { Locale, SurveyKind } from '../domain/surveys.js';
import { modelOn, type AnyModel } from './model.js';

/** What a survey link asks and what its answers are about (the cohorts they count in). */
export interface SurveyLinkContext {
  location?: string;
  staff?: string;
  product?: string;
  /** Counted as a tag of the survey (the cohort `tag:<campaign>`). */
  campaign?: string;
}

/** A survey link `/s/<code>`: a short unguessable code that opens the business's web chat with a context. */
export interface SurveyLinkRecord extends SurveyLinkContext {
  code: string;
  businessId: string;
  kind: SurveyKind;
  locale?: Locale;
  /** What the owner calls it ("Counter, Main Street"), shown on its poster's footer and in the dashboard. */
  label?: string;
  createdAt: Date;
  expiresAt?: Date;
  pausedAt?: Date;
  /** Times its page was opened: one `$inc` per opening, no survey stored. */
  opened: number;
}

export type NewSurveyLink = Omit<SurveyLinkRecord, 'opened'>;

const linkSchema = new Schema(
  {
    _id: { type: String, required: true },
    businessId: { type: String, required: true },
    kind: { type: String, required: true },
    locale: String,
    label: String,
    location: String,
    staff: String,
    product: String,
    campaign: String,
    createdAt: { type: Date, required: true },
    expiresAt: Date,
    pausedAt: Date,
    opened: { type: Number, default: 0 },
  },
  { versionKey: false },
);
// A business's links, newest first (the API's list and the dashboard). Every other query is by `_id`.
linkSchema.index({ businessId: 1, createdAt: -1 });

type LinkDoc = Omit<SurveyLinkRecord, 'code'> & { _id: string };

const toRecord = ({ _id, ...d }: LinkDoc): SurveyLinkRecord => {
  const record: Record<string, unknown> = { code: _id, opened: 0 };
  for (const [k, v] of Object.entries(d)) if (v !== null && v !== undefined) record[k] = v;
  return record as unknown as SurveyLinkRecord;
};

/** Survey links, keyed by their code; every change is scoped by the business. */
export class SurveyLinkRepository {
  constructor(readonly model: AnyModel) {}

  static model(conn: Connection): AnyModel {
    return modelOn(conn, 'SurveyLink', linkSchema, 'survey_links');
  }

  /** False when the code is taken (the caller draws another). */
  async insert(link: NewSurveyLink): Promise<boolean> {
    const { code, ...rest } = link;
    try {
      await this.model.create({ _id: code, ...rest, opened: 0 });
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === 11000) return false;
      throw err;
    }
  }

  /** A link by its code alone: what `/s/<code>` opens, for whichever business it belongs to. */
  async byCode(code: string): Promise<SurveyLinkRecord | undefined> {
    const doc = await this.model.findById(code).lean<LinkDoc>();
    return doc ? toRecord(doc) : undefined;
  }

  async get(businessId: string, code: string): Promise<SurveyLinkRecord | undefined> {
    const doc = await this.model.findOne({ _id: code, businessId }).lean<LinkDoc>();
    return doc ? toRecord(doc) : undefined;
  }

  /** The business's links, newest first, at most `limit`. */
  async list(businessId: string, limit: number): Promise<SurveyLinkRecord[]> {
    const docs = await this.model.find({ businessId }).sort({ createdAt: -1 }).limit(limit).lean<LinkDoc[]>();
    return docs.map(toRecord);
  }

  /** Pause or resume, and set or clear the expiry; undefined for no such link of the business. */
  async update(businessId: string, code: string, change: { pausedAt?: Date | null; expiresAt?: Date | null; label?: string }): Promise<SurveyLinkRecord | undefined> {
    const $set: Record<string, unknown> = {};
    const $unset: Record<string, 1> = {};
    for (const [k, v] of Object.entries(change)) {
      if (v === undefined) continue;
      if (v === null) $unset[k] = 1;
      else $set[k] = v;
    }
    if (!Object.keys($set).length && !Object.keys($unset).length) return this.get(businessId, code);
    const doc = await this.model.findOneAndUpdate({ _id: code, businessId }, { ...(Object.keys($set).length ? { $set } : {}), ...(Object.keys($unset).length ? { $unset } : {}) }, { returnDocument: 'after' }).lean<LinkDoc>();
    return doc ? toRecord(doc) : undefined;
  }

  async delete(businessId: string, code: string): Promise<boolean> {
    return (await this.model.deleteOne({ _id: code, businessId })).deletedCount === 1;
  }

  /** One more opening: a single `$inc` on the link's own document. */
  async countOpened(code: string): Promise<void> {
    await this.model.updateOne({ _id: code }, { $inc: { opened: 1 } });
  }
}
