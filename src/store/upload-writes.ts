import { Types } from 'mongoose';
import { customerUpsert, keyFilter, suppressedAddress, toRecord as toCustomer, type CustomerKey, type CustomerRecord, type CustomerSet, type Doc as CustomerDoc } from './customer-records.js';
import type { AnyModel } from './model.js';
import { openKeyOf, type NewSurvey } from './survey-records.js';
import { insertOnce } from './work-queue.js';
import { duplicateIndexes } from './write-guard.js';

/**
 * The writes of many survey starts at once (an upload's rows): each is what its one-row method does,
 * made for all the rows in one command (a 1,000-row upload made 4,600 round trips, one row at a time).
 */

/**
 * The customers of these rows, created when new: one unordered bulk of upserts, then one read per
 * channel. A row whose upsert lost a race (a duplicate key: another write created it at the same
 * moment) is upserted again on its own, as `one` does.
 */
export async function upsertCustomers(
  model: AnyModel,
  rows: ReadonlyArray<{ key: CustomerKey; set: CustomerSet }>,
  one: (key: CustomerKey, set: CustomerSet) => Promise<CustomerRecord>,
): Promise<CustomerRecord[]> {
  if (!rows.length) return [];
  let again = new Set<number>();
  try {
    await model.bulkWrite(rows.map(({ key, set }) => ({ updateOne: { filter: keyFilter(key), update: customerUpsert(key, set), upsert: true } })), { ordered: false });
  } catch (err) {
    const lost = duplicateIndexes(err, rows.length);
    if (!lost) throw err;
    again = lost;
  }
  // One read per channel (the rows are one business's): the records by address, an erased one's by its kept opt-out.
  const found = new Map<string, CustomerRecord>();
  const keyOf = (k: CustomerKey, address = k.address) => `${k.businessId}\u0000${k.channel}\u0000${address}`;
  for (const keys of groupBy(rows.map((r) => r.key), (k) => keyOf(k, '')).values()) {
    const { businessId, channel } = keys[0]!;
    const docs = await model.find({ businessId, channel, address: { $in: keys.flatMap((k) => [k.address, suppressedAddress(k)]) } }).lean<CustomerDoc[]>();
    for (const doc of docs) found.set(keyOf(keys[0]!, String(doc.address)), toCustomer(doc));
  }
  const out: CustomerRecord[] = [];
  for (const [i, { key, set }] of rows.entries()) {
    const record = again.has(i) ? undefined : (found.get(keyOf(key)) ?? found.get(keyOf(key, suppressedAddress(key))));
    out.push(record ?? (await one(key, set)));
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
