import { Schema, type Connection } from 'mongoose';
import type { Locale, SurveyKind } from '../domain/surveys.js';
import { modelOn, type AnyModel } from './model.js';

/** One message a business words itself, for one survey kind and language. */
export interface WordingEntry {
  kind: SurveyKind;
  locale: Locale;
  /** The message key (`question`, `followUp.detractor`, …). */
  key: string;
  /** ICU MessageFormat, checked before it is stored. */
  text: string;
}

/** One document per business, kind and language: a PUT replaces it whole, so the last one wins. */
const wordingSchema = new Schema(
  {
    _id: { type: String, required: true },
    businessId: { type: String, required: true },
    kind: { type: String, required: true },
    locale: { type: String, required: true },
    messages: [{ _id: false, key: { type: String, required: true }, text: { type: String, required: true } }],
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
wordingSchema.index({ businessId: 1 });

interface WordingDoc {
  kind: SurveyKind;
  locale: Locale;
  messages: { key: string; text: string }[];
}

/**
 * Businesses' own wording. Read on every survey step, so a business's entries are kept in memory
 * for `cacheMs`: another server instance sees a change within that time, this one at once.
 */
export class WordingRepository {
  static readonly cacheMs = 10_000;
  private readonly cache = new Map<string, { at: number; entries: readonly WordingEntry[] }>();

  constructor(private readonly model: AnyModel) {}

  static model(conn: Connection): AnyModel {
    return modelOn(conn, 'Wording', wordingSchema, 'wordings');
  }

  /** Every message the business words itself (the same array while cached). */
  async of(businessId: string): Promise<readonly WordingEntry[]> {
    const hit = this.cache.get(businessId);
    if (hit && Date.now() - hit.at < WordingRepository.cacheMs) return hit.entries;
    const docs = await this.model.find({ businessId }).lean<WordingDoc[]>();
    const entries = docs.flatMap((d) => d.messages.map((m) => ({ kind: d.kind, locale: d.locale, key: m.key, text: m.text })));
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(businessId, { at: Date.now(), entries });
    return entries;
  }

  /** Replaces the business's messages for one kind and language (none: back to the shipped wording). */
  async replace(businessId: string, kind: SurveyKind, locale: Locale, messages: { key: string; text: string }[], now: Date): Promise<void> {
    const _id = `${businessId}:${kind}:${locale}`;
    if (messages.length === 0) await this.model.deleteOne({ _id, businessId });
    else await this.model.updateOne({ _id }, { $set: { businessId, kind, locale, messages, updatedAt: now } }, { upsert: true });
    this.cache.delete(businessId);
  }
}
