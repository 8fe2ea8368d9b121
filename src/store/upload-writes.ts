import { Types } from 'mongoose';
import { customerUpsert, suppressedAddress, toRecord as toCustomer, type CustomerKey, type CustomerRecord, type CustomerSet, type Doc as CustomerDoc } from './customer-records.js';
import type { AnyModel } from './model.js';
import { openKeyOf, type NewSurvey } from './survey-records.js';
import { insertOnce } from './work-queue.js';
import { duplicateIndexes } from './write-guard.js';

/**
 * The writes of many survey starts at once (an upload's rows): each is what its one-row method does,
 * made for all the rows in one command (a 1,000-row upload made 4,600 round trips, one row at a time).
 */

/**
 * The customers of these rows, created when new: one read of what each address is stored as (its
 * customer, or the opt-out an erasure kept for it), one unordered bulk of upserts each by the whole
 * unique key (so every server serves it by that index; an `$in` on its last key made a test server
 * scan the collection once per row), and one read of the results by id. A row whose upsert lost a
 * race (a duplicate key: another write created it at the same moment), or whose record is gone by
 * then, is upserted again on its own, as `one` does.
 */
export async function upsertCustomers(
  model: AnyModel,
  rows: ReadonlyArray<{ key: CustomerKey; set: CustomerSet }>,
  one: (key: CustomerKey, set: CustomerSet) => Promise<CustomerRecord>,
): Promise<CustomerRecord[]> {
  if (!rows.length) return [];
  const stored = await storedAs(model, rows.map((r) => r.key));
  const ops = rows.map(({ key, set }) => {
    const filter = { businessId: key.businessId, channel: key.channel, address: stored.get(keyOf(key))?.address ?? key.address };
    return { updateOne: { filter, update: customerUpsert(key, set), upsert: true } };
  });
  let again = new Set<number>();
  let upserted: Record<string, unknown> = {};
  try {
    upserted = (await model.bulkWrite(ops, { ordered: false })).upsertedIds ?? {};
  } catch (err) {
    const lost = duplicateIndexes(err, rows.length);
    if (!lost) throw err;
    again = lost;
    upserted = (err as { result?: { upsertedIds?: Record<string, unknown> } }).result?.upsertedIds ?? {};
  }
  // Each row's record: the one its upsert created (a row repeated in the upload shares it), else the one it found.
  const created = new Map<string, Types.ObjectId>();
  for (const [i, id] of Object.entries(upserted)) created.set(keyOf(rows[Number(i)]!.key), id as Types.ObjectId);
  const idOf = (key: CustomerKey) => created.get(keyOf(key)) ?? stored.get(keyOf(key))?._id;
  const ids = rows.flatMap((r, i) => (again.has(i) ? [] : [idOf(r.key)].filter((id) => id !== undefined)));
  const docs = ids.length ? await model.find({ _id: { $in: ids } }).lean<CustomerDoc[]>() : [];
  const byId = new Map(docs.map((d) => [d._id.toString(), toCustomer(d)]));
  const out: CustomerRecord[] = [];
  for (const [i, { key, set }] of rows.entries()) {
    const record = again.has(i) ? undefined : byId.get(String(idOf(key)));
    out.push(record && !record.erasedAt ? record : await one(key, set));
  }
  return out;
}

const keyOf = (k: CustomerKey) => `${k.businessId}\u0000${k.channel}\u0000${k.address}`;

/**
 * What each of these addresses is stored as, one read per channel (the rows are one business's): its
 * customer, else the opt-out kept for it after an erasure (`suppressedAddress`), else nothing.
 */
async function storedAs(model: AnyModel, keys: readonly CustomerKey[]): Promise<Map<string, { _id: Types.ObjectId; address: string }>> {
  const out = new Map<string, { _id: Types.ObjectId; address: string }>();
  for (const group of groupBy(keys, (k) => keyOf({ ...k, address: '' })).values()) {
    const { businessId, channel } = group[0]!;
    const wanted = new Map(group.flatMap((k) => [[k.address, k], [suppressedAddress(k), k]] as const));
    const docs = await model.find({ businessId, channel, address: { $in: [...wanted.keys()] } }, { address: 1 }).lean<Array<{ _id: Types.ObjectId; address: string }>>();
    for (const doc of docs) {
      const key = wanted.get(doc.address)!;
      // The customer at the address wins over a kept opt-out for it.
      if (doc.address === key.address || !out.has(keyOf(key))) out.set(keyOf(key), doc);
    }
  }
  return out;
}

/** Mark these customers asked at `at`, in one update. */
export async function markSurveyed(model: AnyModel, ids: readonly string[], at: Date): Promise<void> {
  if (ids.length) await model.updateMany({ _id: { $in: ids.map((id) => new Types.ObjectId(id)) } }, { $set: { lastSurveyedAt: at } });
}

/**
 * Insert new open surveys in one unordered insert; an address that already has one open (the
 * open-survey key is unique) gets that survey's id instead, as `SurveyRepository.insert` gives it.
 */
export async function insertSurveys(model: AnyModel, surveys: readonly NewSurvey[]): Promise<Array<{ inserted: string } | { alreadyOpen: string | undefined }>> {
  const docs = surveys.map(({ id, customerId, ...fields }) => ({
    ...fields,
    _id: id ? new Types.ObjectId(id) : new Types.ObjectId(),
    customerId: new Types.ObjectId(customerId),
    openKey: openKeyOf(fields.businessId, fields.channel, fields.address),
  }));
  const taken = await insertOnce(model, docs);
  const out = [];
  for (const [i, doc] of docs.entries()) {
    if (!taken.has(i)) out.push({ inserted: doc._id.toString() });
    else out.push({ alreadyOpen: (await model.findOne({ openKey: doc.openKey }, { _id: 1 }).lean<{ _id: Types.ObjectId }>())?._id.toString() });
  }
  return out;
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
