import { Schema, type Connection } from 'mongoose';
import { modelOn, type AnyModel } from './model.js';
import type { ChannelName } from '../domain/channels.js';
import type { Locale } from '../domain/surveys.js';
import type { ReasonQuestion } from '../domain/reasons.js';
import { isLanguage } from '../dialogs/languages.js';

const businessSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    timeZone: { type: String, required: true },
    locale: { type: String, validate: { validator: isLanguage, message: 'not a registered language' }, required: true },
    country: { type: String, required: true },
    sendWindow: { startMinute: { type: Number, required: true }, endMinute: { type: Number, required: true } },
    throttleDays: { type: Number, required: true },
    digestSchedule: { weekday: Number, minute: Number },
    /** Which channels the business has its own identities on (the identities themselves are sealed). */
    channelNames: { type: [String], default: undefined },
    /** The channel identities (tokens, secrets, numbers) as one value sealed by the SecretBox. */
    channelsSealed: String,
    /** For the business an environment describes: a digest of what it said when last written here. */
    environmentDigest: String,
    /** Raised by every change, so each instance's directory sees that its copy is out of date. */
    revision: { type: Number, default: 0 },
    /** The optional reason question: on/off, promoters skip it or not, its choices (key and labels). */
    reasonQuestion: { type: Schema.Types.Mixed },
    /** A disabled business is kept but not served: its routes answer 404. */
    disabled: { type: Boolean, default: false },
    /** Websites (origins) that may show the business's survey widget. */
    widgetOrigins: { type: [String], default: undefined },
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
  /** When the weekly digest goes out, in the business's time zone (default: the deployment's DIGEST_SCHEDULE). */
  digestSchedule?: { weekday: number; minute: number };
  /** The channels with identities of the business's own; the identities are read with `sealedChannels`. */
  channelNames?: ChannelName[];
  /** Kept but not served (its routes answer 404), until enabled again. */
  disabled?: boolean;
  /** The optional reason question asked between the score and the comment. */
  reasonQuestion?: ReasonQuestion;
  /** Websites (origins such as https://shop.example) that may show the business's survey widget; none: nowhere. */
  widgetOrigins?: string[];
}

/** What says whether a served copy of a business is current: its revision, and whether it is served at all. */
export interface BusinessStamp {
  revision: number;
  disabled: boolean;
}

/** What the API checked before it stored it; a document edited by hand into something else reads as no question. */
function isReasonQuestion(raw: unknown): raw is ReasonQuestion {
  const q = raw as Partial<ReasonQuestion> | null | undefined;
  return typeof q?.enabled === 'boolean' && typeof q.skipPromoters === 'boolean' && Array.isArray(q.choices) && q.choices.every((c) => typeof c?.key === 'string' && typeof c.labels === 'object');
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
    ...(d.digestSchedule && typeof (d.digestSchedule as { weekday?: number }).weekday === 'number' ? { digestSchedule: d.digestSchedule as { weekday: number; minute: number } } : {}),
    ...(Array.isArray(d.channelNames) ? { channelNames: d.channelNames as ChannelName[] } : {}),
    ...(d.disabled === true ? { disabled: true } : {}),
    ...(isReasonQuestion(d.reasonQuestion) ? { reasonQuestion: d.reasonQuestion } : {}),
    ...(Array.isArray(d.widgetOrigins) ? { widgetOrigins: d.widgetOrigins as string[] } : {}),
  };
}

export class BusinessRepository {
  constructor(readonly model: AnyModel) {}

  static model(conn: Connection): AnyModel {
    return modelOn(conn, 'Business', businessSchema, 'businesses');
  }

  async get(id: string): Promise<BusinessSettings | undefined> {
    const doc = await this.model.findOne({ _id: id }, { channelsSealed: 0 }).lean<Record<string, unknown>>();
    return doc ? toSettings(doc) : undefined;
  }

  /** The business's time zone (its weeks and days), UTC when it has none stored: one field read by `_id`. */
  async timeZone(id: string): Promise<string> {
    const doc = await this.model.findOne({ _id: id }, { timeZone: 1 }).lean<{ timeZone?: string }>();
    return doc?.timeZone ?? 'UTC';
  }

  async list(): Promise<BusinessSettings[]> {
    return (await this.model.find({}, { channelsSealed: 0 }).sort({ _id: 1 }).lean<Record<string, unknown>[]>()).map(toSettings);
  }

  /** Create or change a business; `channelsSealed` replaces its channel identities when given. */
  async save(business: BusinessSettings, channelsSealed?: string): Promise<void> {
    const { id, disabled, ...fields } = business;
    await this.model.updateOne(
      { _id: id },
      { $set: { ...fields, disabled: disabled === true, ...(channelsSealed !== undefined ? { channelsSealed } : {}) }, $inc: { revision: 1 } },
      { upsert: true },
    );
  }

  /** Create a business that does not exist yet; false when the id is taken. */
  async create(business: BusinessSettings, channelsSealed: string): Promise<boolean> {
    const { id, disabled, ...fields } = business;
    try {
      await this.model.create({ _id: id, ...fields, disabled: disabled === true, channelsSealed, revision: 1 });
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === 11000) return false;
      throw err;
    }
  }

  /** Serve a business again, or stop serving it (kept with its data); false when there is none. */
  async setDisabled(id: string, disabled: boolean): Promise<boolean> {
    return (await this.model.updateOne({ _id: id }, { $set: { disabled }, $inc: { revision: 1 } })).matchedCount === 1;
  }

  /** Every business's stamp: one small read of the collection (a deployment has tens, not millions). */
  async stamps(): Promise<Map<string, BusinessStamp>> {
    const docs = await this.model.find({}, { revision: 1, disabled: 1 }).lean<Array<{ _id: string; revision?: number; disabled?: boolean }>>();
    return new Map(docs.map((d) => [d._id, { revision: d.revision ?? 0, disabled: d.disabled === true }]));
  }

  /** One business's stamp, read by the instance that just changed it. */
  async stamp(id: string): Promise<BusinessStamp | undefined> {
    const d = await this.model.findOne({ _id: id }, { revision: 1, disabled: 1 }).lean<{ revision?: number; disabled?: boolean }>();
    return d ? { revision: d.revision ?? 0, disabled: d.disabled === true } : undefined;
  }

  /**
   * Write a business described elsewhere (the environment) unless it was last written from the same
   * description (`digest`); returns whether it was written.
   */
  async adopt(business: BusinessSettings, channelsSealed: string, digest: string): Promise<boolean> {
    const doc = await this.model.findOne({ _id: business.id }, { environmentDigest: 1 }).lean<{ environmentDigest?: string }>();
    if (doc?.environmentDigest === digest) return false;
    const { id, ...fields } = business;
    await this.model.updateOne({ _id: id }, { $set: { ...fields, channelsSealed, environmentDigest: digest }, $inc: { revision: 1 } }, { upsert: true });
    return true;
  }

  /** The sealed channel identities of a business, if it has any of its own. */
  async sealedChannels(id: string): Promise<string | undefined> {
    const doc = await this.model.findOne({ _id: id }, { channelsSealed: 1 }).lean<{ channelsSealed?: string }>();
    return doc?.channelsSealed;
  }

  async remove(id: string): Promise<boolean> {
    return (await this.model.deleteOne({ _id: id })).deletedCount === 1;
  }
}
