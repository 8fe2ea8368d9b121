import { createHash } from 'node:crypto';
import { Schema, Types } from 'mongoose';
import type { ChannelName } from '../domain/channels.js';
import type { Locale } from '../domain/surveys.js';
import { isLanguage } from '../dialogs/languages.js';

/**
 * One person reachable on one channel address. `optedOutAt` set means: never message them there.
 * `personId` ties the addresses of one person together (set on both when staff send an existing
 * customer a Telegram link; it is the first address's `_id`); the throttle then counts surveys on all
 * of them. Absent: the person has this one address.
 */
export const customerSchema = new Schema(
  {
    businessId: { type: String, required: true },
    channel: { type: String, required: true },
    address: { type: String, required: true },
    name: String,
    locale: { type: String, validate: { validator: isLanguage, message: 'not a registered language' } },
    timeZone: String,
    tags: { type: [String], default: [] },
    optedOutAt: Date,
    optOutReason: String,
    lastSurveyedAt: Date,
    personId: Schema.Types.ObjectId,
    /** Set on an erased customer's tombstone: every other field is gone and `address` is `#erased:<id>`. */
    erasedAt: Date,
    /**
     * Outbound webhook events this customer's opt-out still owes, written with it and cleared once
     * queued: `customer.opted_out@<epoch ms>` (strings, so `$pullAll` clears them on FerretDB too).
     */
    webhooksDue: { type: [String], default: undefined },
    /** The business's own id for this person (its shop or CRM), as other systems' events name them. */
    externalId: String,
    /** Lower-cased e-mail address, as other systems' events may name the person. */
    email: String,
    /** The latest features of their events (newest last, at most 20): read with the customer when a survey starts. */
    recentEvents: { type: [{ _id: false, feature: String, at: Date }], default: undefined },
    /** Their first purchase another system told us of: the `first_purchase_month` cohort of their surveys. */
    firstPurchaseAt: Date,
  },
  { timestamps: true, versionKey: false },
);
customerSchema.index({ businessId: 1, channel: 1, address: 1 }, { unique: true });
customerSchema.index({ personId: 1 });
customerSchema.index({ webhooksDue: 1 });
// Events from other systems find their customer by these (always with the business first).
customerSchema.index({ businessId: 1, externalId: 1 });
customerSchema.index({ businessId: 1, email: 1 });

/** `external`: a person known only to other systems (by external id or e-mail), reachable on no channel. */
export type CustomerChannel = ChannelName | 'external';

export interface CustomerRecord {
  id: string;
  businessId: string;
  channel: CustomerChannel;
  address: string;
  name?: string;
  locale?: Locale;
  timeZone?: string;
  tags: string[];
  optedOutAt?: Date;
  optOutReason?: string;
  lastSurveyedAt?: Date;
  personId?: string;
  erasedAt?: Date;
  externalId?: string;
  email?: string;
  recentEvents?: Array<{ feature: string; at: Date }>;
  firstPurchaseAt?: Date;
}

export type Doc = Record<string, unknown> & { _id: Types.ObjectId };

export function toRecord(d: Doc): CustomerRecord {
  const opt = <T>(v: unknown) => (v === null || v === undefined ? undefined : (v as T));
  return {
    id: d._id.toString(),
    businessId: d.businessId as string,
    channel: d.channel as CustomerChannel,
    address: d.address as string,
    name: opt(d.name),
    locale: opt(d.locale),
    timeZone: opt(d.timeZone),
    tags: (d.tags as string[] | undefined) ?? [],
    optedOutAt: opt(d.optedOutAt),
    optOutReason: opt(d.optOutReason),
    lastSurveyedAt: opt(d.lastSurveyedAt),
    personId: opt<Types.ObjectId>(d.personId)?.toString(),
    erasedAt: opt(d.erasedAt),
    externalId: opt(d.externalId),
    ...(Array.isArray(d.recentEvents) ? { recentEvents: d.recentEvents as Array<{ feature: string; at: Date }> } : {}),
    firstPurchaseAt: opt(d.firstPurchaseAt),
    email: opt(d.email),
  };
}

/**
 * Where an erased customer's opt-out is kept: a customer document whose address is a one-way hash of
 * (business, channel, address) instead of the address. Every lookup by address also matches it, so
 * the person stays opted out (and STOP, START and survey starts work on it as on any customer)
 * without the database keeping the address. `#` is in no channel's address format.
 */
export const suppressedAddress = (key: CustomerKey): string =>
  `#optout:${createHash('sha256').update(`${key.businessId}\u0000${key.channel}\u0000${key.address}`).digest('hex')}`;

/** What a survey start sets on its customer. */
export interface CustomerSet {
  name?: string;
  locale?: string;
  tags?: readonly string[];
}

/** The update `CustomerRepository.upsert` makes (its name, language and tags; the key when new). */
export const customerUpsert = (key: CustomerKey, set: CustomerSet & { personId?: string }) => ({
  $setOnInsert: key,
  $set: {
    ...(set.name ? { name: set.name } : {}),
    ...(set.locale ? { locale: set.locale } : {}),
    ...(set.personId ? { personId: new Types.ObjectId(set.personId) } : {}),
  },
  ...(set.tags?.length ? { $addToSet: { tags: { $each: [...set.tags] } } } : {}),
});

/** A customer's address, or the opt-out kept for it after an erasure. */
export const keyFilter = (key: CustomerKey) => ({ businessId: key.businessId, channel: key.channel, address: { $in: [key.address, suppressedAddress(key)] } });

export interface CustomerKey {
  businessId: string;
  channel: ChannelName;
  address: string;
}

