import { featuresOf } from './drops.js';
import { z } from 'zod';
import { phoneChannel } from '../domain/channel-facts.js';
import type { ChannelName } from '../domain/channels.js';
import { normalizePhone } from '../domain/phone.js';
import { cleanText, freeText } from '../domain/text.js';
import { describeIssues, ValidationError } from '../errors.js';
import { csvRecords } from '../domain/csv.js';
import type { EventAttribute, NewEvent, Store } from '../store/index.js';

const text = freeText;
const scalar = z.union([z.string().overwrite(cleanText).max(200), z.number().finite(), z.boolean()]);

/** Who an event is about: at least one of the business's own id, a phone number or an e-mail address. */
const customerRef = z
  .object({
    externalId: text(100).optional(),
    phone: text(40).optional(),
    email: z.string().trim().toLowerCase().pipe(z.email()).optional(),
  })
  .refine((c) => c.externalId || c.phone || c.email, 'give externalId, phone or email');

const common = {
  customer: customerRef,
  // An ISO 8601 date and time with its offset, or a date (or a Date, called in process): a bare number or null is no time.
  at: z
    .union([z.date(), z.iso.datetime({ offset: true }), z.iso.date()], { error: 'an ISO 8601 date and time, such as 2026-03-01T10:00:00Z' })
    .transform((v) => (v instanceof Date ? v : new Date(v))),
  source: text(50),
  sourceEventId: text(200),
};

const amount = z.number().finite().nonnegative();

/** A type's own attributes, and up to 20 attributes in all: other details (a refund's `days`) are kept as custom ones are, not dropped. */
const attributesOf = <T extends z.ZodRawShape>(shape: T) =>
  z
    .object(shape)
    .catchall(scalar)
    .refine((a) => Object.keys(a).length <= 20, 'at most 20 attributes');

/** One event from another system, its attributes by type. */
export const eventInput = z.discriminatedUnion('type', [
  z.object({ ...common, type: z.literal('purchase'), attributes: attributesOf({ product: text(100), amount: amount.optional() }) }),
  z.object({ ...common, type: z.literal('delivery'), attributes: attributesOf({ onTime: z.boolean(), daysLate: z.number().int().min(0).max(365).optional() }) }),
  z.object({ ...common, type: z.literal('support_ticket'), attributes: attributesOf({ status: z.enum(['opened', 'resolved']), minutesToResolution: z.number().finite().nonnegative().optional() }) }),
  z.object({ ...common, type: z.literal('web_visit'), attributes: attributesOf({ page: text(200), durationSeconds: z.number().finite().nonnegative().optional() }) }),
  z.object({ ...common, type: z.literal('social_mention'), attributes: attributesOf({ text: text(2000), sentiment: z.enum(['positive', 'neutral', 'negative']).optional() }) }),
  z.object({ ...common, type: z.literal('refund'), attributes: attributesOf({ amount, product: text(100).optional() }) }),
  z.object({
    ...common,
    type: z.literal('custom'),
    attributes: z
      .object({ name: text(50) })
      .catchall(scalar)
      .refine((a) => Object.keys(a).length <= 20, 'at most 20 attributes'),
  }),
]);
export type EventInput = z.output<typeof eventInput>;

export const maxBatch = 1000;

/**
 * A batch: up to 1,000 events. Each event is checked on its own by `recordEvents`, so one bad event
 * is rejected with its reason and the others are stored.
 */
export const eventBatch = z.array(z.unknown()).min(1, 'no events').max(maxBatch, `at most ${maxBatch} events a batch`);

type Outcome = { status: 'created' | 'duplicate'; customerId: string } | { status: 'rejected'; reason: string };
/** What became of one event of a batch (`index` from 0). */
export type EventResult = Outcome & { index: number };
/** What became of one CSV data row (`row` from 1). */
export type CsvEventResult = Outcome & { row: number };

interface Identity {
  externalId?: string;
  phone?: string;
  email?: string;
}

/**
 * Store a batch of events for one business: each is validated, its customer found by external id,
 * SMS number (normalised in the business's country) or e-mail, in that order, and created when
 * unknown; then all are stored with one unordered bulk of upserts, once each by (source, source event id).
 */
export async function recordEvents(store: Store, businessId: string, batch: unknown, options: { country: string; now: Date }): Promise<EventResult[]> {
  const items = eventBatch.safeParse(batch);
  if (!items.success) throw new ValidationError(describeIssues(items.error, 'events').join('; '));
  const results: EventResult[] = [];
  const valid: Array<{ index: number; event: EventInput; who: Identity }> = [];
  items.data.forEach((raw, index) => {
    const parsed = eventInput.safeParse(raw);
    if (!parsed.success) return results.push({ index, status: 'rejected', reason: describeIssues(parsed.error).join('; ') });
    const { externalId, email } = parsed.data.customer;
    let phone: string | undefined;
    if (parsed.data.customer.phone) {
      phone = normalizePhone(parsed.data.customer.phone, options.country) ?? undefined;
      if (!phone) return results.push({ index, status: 'rejected', reason: 'customer.phone: not a valid phone number' });
    }
    valid.push({ index, event: parsed.data, who: { externalId, phone, email } });
  });

  const customerOf = await resolveCustomers(store, businessId, valid.map((v) => v.who));
  const events: NewEvent[] = valid.map(({ event, who }) => ({
    businessId,
    customerId: customerOf(who),
    type: event.type,
    at: event.at,
    source: event.source,
    sourceEventId: event.sourceEventId,
    attributes: event.attributes as Record<string, EventAttribute>,
  }));
  const stored = await store.events.record(events, options.now);
  // Each new event's features, remembered on its customer: a survey started later counts in their `event:` cohorts.
  const notes = new Map<string, Array<{ feature: string; at: Date }>>();
  events.forEach((e, i) => {
    if (stored[i] !== 'created') return;
    const list = notes.get(e.customerId) ?? [];
    for (const feature of featuresOf({ person: e.customerId, type: e.type, at: e.at, attributes: e.attributes })) list.push({ feature, at: e.at });
    notes.set(e.customerId, list);
  });
  await store.customers.noteEvents(businessId, [...notes].map(([customerId, features]) => ({ customerId, features: features.sort((a, b) => a.at.getTime() - b.at.getTime()) })));
  valid.forEach(({ index }, i) => results.push({ index, status: stored[i] ?? 'duplicate', customerId: events[i]!.customerId }));
  return results.sort((a, b) => a.index - b.index);
}

/** Find every named customer with three indexed lookups, create the missing ones in one bulk, and find them again. */
export async function resolveCustomers(store: Store, businessId: string, identities: readonly Identity[]): Promise<(who: Identity) => string> {
  const names = {
    externalIds: [...new Set(identities.flatMap((w) => (w.externalId ? [w.externalId] : [])))],
    phones: [...new Set(identities.flatMap((w) => (w.phone ? [w.phone] : [])))],
    emails: [...new Set(identities.flatMap((w) => (w.email ? [w.email] : [])))],
  };
  const index = async () => {
    const found = await store.customers.findByIdentities(businessId, names);
    const by = { externalId: new Map<string, string>(), phone: new Map<string, string>(), email: new Map<string, string>() };
    for (const c of found) {
      if (c.externalId && !by.externalId.has(c.externalId)) by.externalId.set(c.externalId, c.id);
      if (c.channel === phoneChannel && !by.phone.has(c.address)) by.phone.set(c.address, c.id);
      if (c.email && !by.email.has(c.email)) by.email.set(c.email, c.id);
    }
    /** Every record one identity names, by external id, SMS number and e-mail, in that order. */
    const all = (w: Identity) => [...new Set([w.externalId && by.externalId.get(w.externalId), w.phone && by.phone.get(w.phone), w.email && by.email.get(w.email)].filter((id): id is string => !!id))];
    return { one: (w: Identity) => all(w)[0], all };
  };
  let lookup = await index();
  // New customers by the key they are created under, each with every name the batch gives it.
  // A phone number makes an SMS customer; someone known only by id or e-mail gets an `external`
  // record, which no channel reaches — unless another identity of the batch that is created too
  // carries that id or e-mail ({phone, email} and {email} are one person: one record, not two).
  const missing = new Map<string, Identity & { channel: ChannelName | 'external'; address: string }>();
  const byPhoneFirst = [...identities].sort((a, b) => Number(!a.phone) - Number(!b.phone) || Number(!a.externalId) - Number(!b.externalId));
  for (const w of byPhoneFirst) {
    if (lookup.one(w)) continue;
    const pending = [...missing.values()];
    if (!w.phone && pending.some((m) => (w.externalId && m.externalId === w.externalId) || (w.email && m.email === w.email))) continue;
    const key = w.phone ? { channel: phoneChannel, address: w.phone } : { channel: 'external' as const, address: w.externalId ? `id:${w.externalId}` : `email:${w.email}` };
    const seen = missing.get(`${key.channel}:${key.address}`);
    missing.set(`${key.channel}:${key.address}`, { ...key, externalId: seen?.externalId ?? w.externalId, email: seen?.email ?? w.email });
  }
  if (missing.size) {
    await store.customers.ensureMany(
      [...missing.values()].map(({ channel, address, externalId, email }) => ({ businessId, channel, address, ...(externalId ? { externalId } : {}), ...(email ? { email } : {}) })),
    );
    lookup = await index();
  }
  // An event naming records that are not yet one person (a phone number here, an e-mail there) links
  // them: export and erasure then reach every one of them.
  const links = new Map<string, string[]>();
  for (const w of identities) {
    const ids = lookup.all(w);
    if (ids.length > 1) links.set(ids.join(), ids);
  }
  for (const ids of links.values()) await store.customers.link(businessId, ids);
  return (w) => {
    const id = lookup.one(w);
    if (!id) throw new Error('an event customer was neither found nor created');
    return id;
  };
}

const csvNumber = (v: string | undefined) => (v === undefined ? undefined : Number(v));
const csvBoolean = (v: string | undefined) => (v === undefined ? undefined : /^(true|yes|1|y)$/i.test(v) ? true : /^(false|no|0|n)$/i.test(v) ? false : v);

/** The attributes a CSV row carries for its type, in the JSON shape (numbers and booleans typed). */
function csvAttributes(row: Record<string, string>): Record<string, unknown> {
  switch (row.type) {
    case 'purchase':
      return { product: row.product, amount: csvNumber(row.amount) };
    case 'delivery':
      return { onTime: csvBoolean(row.ontime), daysLate: csvNumber(row.dayslate) };
    case 'support_ticket':
      return { status: row.status, minutesToResolution: csvNumber(row.minutestoresolution) };
    case 'web_visit':
      return { page: row.page, durationSeconds: csvNumber(row.durationseconds) };
    case 'social_mention':
      return { text: row.text, sentiment: row.sentiment };
    case 'refund':
      return { amount: csvNumber(row.amount), product: row.product };
    default:
      return { name: row.name };
  }
}

/**
 * The same from a CSV upload (header: type, at, source, sourceEventId, externalId, phone, email, and
 * the type's columns: product, amount, onTime, daysLate, status, minutesToResolution, page,
 * durationSeconds, text, sentiment, name). Results are per data row, numbered from 1.
 */
export async function importEventsCsv(store: Store, businessId: string, csv: string, options: { country: string; now: Date }): Promise<CsvEventResult[]> {
  const rows = csvRecords(csv);
  const batch = rows.map((row) => ({
    type: row.type,
    at: row.at,
    source: row.source,
    sourceEventId: row.sourceeventid,
    customer: { externalId: row.externalid, phone: row.phone, email: row.email },
    attributes: Object.fromEntries(Object.entries(csvAttributes(row)).filter(([, v]) => v !== undefined)),
  }));
  const results = await recordEvents(store, businessId, batch, options);
  return results.map(({ index, ...rest }) => ({ row: index + 1, ...rest }));
}
