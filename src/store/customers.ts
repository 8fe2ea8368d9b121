import { Types, type Connection } from 'mongoose';
import { customerSchema, customerUpsert, keyFilter, suppressedAddress, toRecord, type CustomerChannel, type CustomerKey, type CustomerRecord, type CustomerSet, type Doc } from './customer-records.js';
import { modelOn, type AnyModel } from './model.js';
import { phoneChannel } from '../domain/channel-facts.js';
import type { ChannelName } from '../domain/channels.js';
import type { Locale } from '../domain/surveys.js';
import type { AnalysisInputs } from './week-analyses.js';
import { isDuplicateKey } from './write-guard.js';
import { markSurveyed, upsertCustomers } from './upload-writes.js';

export { suppressedAddress, type CustomerChannel, type CustomerKey, type CustomerRecord } from './customer-records.js';

/** Customers: one document per (business, channel, address). */
export class CustomerRepository {
  constructor(
    readonly model: AnyModel,
    private readonly analyses?: AnalysisInputs,
  ) {}

  static model(conn: Connection): AnyModel {
    return modelOn(conn, 'Customer', customerSchema, 'customers');
  }

  /**
   * The customer at this address, created when new, with the name, language and tags given. Two
   * first contacts at once both try the insert; the loser's duplicate key means the document exists
   * now, so the same upsert again is a plain update (never a 500).
   */
  async upsert(key: CustomerKey, set: { name?: string; locale?: Locale; tags?: readonly string[]; personId?: string } = {}): Promise<CustomerRecord> {
    const update = customerUpsert(key, set);
    for (let attempt = 0; ; attempt++) {
      try {
        const doc = await this.model.findOneAndUpdate(keyFilter(key), update, { upsert: true, returnDocument: 'after' }).lean<Doc>();
        if (!doc) throw new Error('customer upsert returned nothing');
        // Addresses made one person: the analyses that pair a person's answers are out of date.
        if (set.personId) await this.analyses?.changed(key.businessId);
        return toRecord(doc);
      } catch (err) {
        if (!isDuplicateKey(err) || attempt >= 3) throw err;
      }
    }
  }

  async find(key: CustomerKey): Promise<CustomerRecord | undefined> {
    const doc = await this.model.findOne(keyFilter(key)).lean<Doc>();
    return doc ? toRecord(doc) : undefined;
  }

  async byId(id: string, businessId: string): Promise<CustomerRecord | undefined> {
    if (!/^[a-f0-9]{24}$/i.test(id)) return undefined;
    const doc = await this.model.findOne({ _id: new Types.ObjectId(id), businessId }).lean<Doc>();
    return doc ? toRecord(doc) : undefined;
  }

  /**
   * Replace a customer's tags (later surveys carry them); undefined when the business has no such
   * customer, `erased` when it is an erased customer's tombstone (which keeps no tags).
   */
  async setTags(id: string, businessId: string, tags: readonly string[]): Promise<CustomerRecord | 'erased' | undefined> {
    if (!/^[a-f0-9]{24}$/i.test(id)) return undefined;
    const _id = new Types.ObjectId(id);
    const doc = await this.model.findOneAndUpdate({ _id, businessId, erasedAt: null }, { $set: { tags: [...new Set(tags)] } }, { returnDocument: 'after' }).lean<Doc>();
    if (doc) return toRecord(doc);
    return (await this.model.exists({ _id, businessId })) ? 'erased' : undefined;
  }

  /**
   * Record an opt-out (with its reason), or clear it (`reason` undefined). Safe to repeat. A new
   * opt-out (of someone not opted out) records in the same write the webhook event it owes; returns
   * the customer's id when it did. Clearing the opt-out kept for an erased customer makes it an
   * ordinary customer at its address again.
   */
  async setOptOut(key: CustomerKey, reason: string | undefined, at: Date): Promise<{ owes: string } | undefined> {
    const owed = `customer.opted_out@${at.getTime()}`;
    if (reason) {
      const fresh = await this.model.findOneAndUpdate({ ...keyFilter(key), optedOutAt: null }, { $set: { optedOutAt: at, optOutReason: reason }, $push: { webhooksDue: owed } }, { returnDocument: 'after' }).lean<Doc>();
      if (fresh) return { owes: fresh._id.toString() };
    }
    const update = reason ? { $set: { optedOutAt: at, optOutReason: reason }, $setOnInsert: { ...key, webhooksDue: [owed] } } : { $unset: { optedOutAt: 1, optOutReason: 1 }, $set: { address: key.address } };
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await this.model.updateOne(keyFilter(key), update, { upsert: !!reason });
        return result.upsertedId ? { owes: String(result.upsertedId) } : undefined;
      } catch (err) {
        if (!isDuplicateKey(err) || attempt >= 3) throw err;
      }
    }
  }

  /** Customers whose opt-out owes webhook events (a crash came between the write and queueing them). */
  async withWebhooksDue(limit: number): Promise<string[]> {
    const docs = await this.model.find({ webhooksDue: { $gte: '' } }, { _id: 1 }).limit(limit).lean<Doc[]>();
    return docs.map((d) => d._id.toString());
  }

  /** What a customer's opt-out owes, and what the events need to say. */
  async webhooksDueOf(id: string): Promise<{ id: string; businessId: string; channel: ChannelName; optOutReason?: string; webhooksDue: Array<{ owed: string; at: Date }> } | undefined> {
    if (!/^[a-f0-9]{24}$/i.test(id)) return undefined;
    const doc = await this.model.findOne({ _id: new Types.ObjectId(id) }, { businessId: 1, channel: 1, optOutReason: 1, webhooksDue: 1 }).lean<Doc>();
    if (!doc) return undefined;
    const due = ((doc.webhooksDue as string[] | undefined) ?? []).map((owed) => ({ owed, at: new Date(Number(owed.split('@')[1])) }));
    return { id, businessId: doc.businessId as string, channel: doc.channel as ChannelName, optOutReason: (doc.optOutReason as string | null | undefined) ?? undefined, webhooksDue: due };
  }

  async clearWebhooks(id: string, owed: readonly string[]): Promise<void> {
    await this.model.updateOne({ _id: new Types.ObjectId(id) }, { $pullAll: { webhooksDue: owed } });
  }

  /** `upsert` for each of many rows (an upload's), in a bulk write and a read per channel. */
  upsertMany(rows: ReadonlyArray<{ key: CustomerKey; set: CustomerSet }>): Promise<CustomerRecord[]> {
    return upsertCustomers(this.model, rows, (key, set) => this.upsert(key, set));
  }

  /** `markSurveyed` for many customers asked at one time, in one update. */
  markManySurveyed(ids: readonly string[], at: Date): Promise<void> {
    return markSurveyed(this.model, ids, at);
  }

  async markSurveyed(id: string, at: Date): Promise<void> {
    await this.model.updateOne({ _id: new Types.ObjectId(id) }, { $set: { lastSurveyedAt: at } });
  }

  /** When this person was last asked, on any of their linked addresses. */
  async lastSurveyedOfPerson(businessId: string, personId: string): Promise<Date | undefined> {
    const linked = await this.model.find({ businessId, personId: new Types.ObjectId(personId) }, { lastSurveyedAt: 1 }).lean<Doc[]>();
    const latest = Math.max(0, ...linked.map((c) => (c.lastSurveyedAt as Date | null | undefined)?.getTime() ?? 0));
    return latest > 0 ? new Date(latest) : undefined;
  }

  /**
   * Customers of a business named by any of these external ids, phone numbers or e-mail addresses:
   * three indexed lookups at most, however many names are asked for.
   */
  async findByIdentities(businessId: string, names: { externalIds: readonly string[]; phones: readonly string[]; emails: readonly string[] }): Promise<CustomerRecord[]> {
    const or: Array<Record<string, unknown>> = [];
    if (names.externalIds.length) or.push({ externalId: { $in: [...names.externalIds] } });
    if (names.phones.length) or.push({ channel: phoneChannel, address: { $in: [...names.phones] } });
    if (names.emails.length) or.push({ email: { $in: [...names.emails] } });
    if (!or.length) return [];
    const docs = await this.model.find({ businessId, $or: or }).sort({ _id: 1 }).lean<Doc[]>();
    return docs.map(toRecord);
  }

  /**
   * Create (or find, when another writer got there first) customers known so far only to other
   * systems: an unordered bulk of upserts on the unique (business, channel, address) key.
   */
  async ensureMany(customers: ReadonlyArray<Omit<CustomerKey, 'channel'> & { channel: CustomerChannel; externalId?: string; email?: string }>): Promise<void> {
    if (!customers.length) return;
    const ops = customers.map(({ businessId, channel, address, externalId, email }) => ({
      updateOne: {
        filter: { businessId, channel, address },
        update: { $setOnInsert: { businessId, channel, address, tags: [], ...(externalId ? { externalId } : {}), ...(email ? { email } : {}) } },
        upsert: true,
      },
    }));
    try {
      await this.model.bulkWrite(ops, { ordered: false });
    } catch (err) {
      // A concurrent first contact created the same customer: it exists, which is all this asks.
      const errors = (err as { writeErrors?: Array<{ code?: number }> }).writeErrors;
      if (!Array.isArray(errors) || errors.some((e) => e.code !== 11000)) throw err;
    }
  }

  /** One person's customer records (their linked addresses), business-scoped. */
  async linked(businessId: string, customerId: string): Promise<CustomerRecord[]> {
    const self = await this.byId(customerId, businessId);
    if (!self) return [];
    if (!self.personId) return [self];
    const personId = new Types.ObjectId(self.personId);
    const docs = await this.model.find({ businessId, $or: [{ personId }, { _id: personId }] }).sort({ _id: 1 }).lean<Doc[]>();
    return docs.map(toRecord);
  }

  /** Every address of these people: customers whose person id, or own id, is one of them. */
  async ofPersons(businessId: string, personIds: readonly string[]): Promise<CustomerRecord[]> {
    const _ids = personIds.filter((id) => /^[a-f0-9]{24}$/i.test(id)).map((id) => new Types.ObjectId(id));
    if (!_ids.length) return [];
    const docs = await this.model.find({ businessId, $or: [{ personId: { $in: _ids } }, { _id: { $in: _ids } }] }).lean<Doc[]>();
    return docs.map(toRecord);
  }

  /** Customers by id (lean), business-scoped: the person each belongs to, for analyses. */
  async byIds(businessId: string, ids: readonly string[]): Promise<CustomerRecord[]> {
    const _ids = ids.filter((id) => /^[a-f0-9]{24}$/i.test(id)).map((id) => new Types.ObjectId(id));
    if (!_ids.length) return [];
    const docs = await this.model.find({ businessId, _id: { $in: _ids } }).lean<Doc[]>();
    return docs.map(toRecord);
  }

  /** Give a customer a person id (the first address's own id when it has none yet). */
  async setPerson(id: string, personId: string): Promise<void> {
    const doc = await this.model.findOneAndUpdate({ _id: new Types.ObjectId(id) }, { $set: { personId: new Types.ObjectId(personId) } }, { projection: { businessId: 1 } }).lean<{ businessId?: string }>();
    if (doc?.businessId) await this.analyses?.changed(doc.businessId);
  }

  /**
   * A customer and every other record of the same person, oldest first: the addresses linked to it
   * (`personId`) and the records that share one of its identifiers (e-mail, external id), followed
   * until no new one turns up, so an export or erasure reaches all of them however they were made.
   */
  async person(businessId: string, id: string): Promise<CustomerRecord[]> {
    const self = await this.byId(id, businessId);
    if (!self) return [];
    const found = new Map([[self.id, self]]);
    for (let round = 0; round < 10; round++) {
      const all = [...found.values()];
      const persons = [...new Set(all.map((c) => c.personId ?? c.id))].map((p) => new Types.ObjectId(p));
      const emails = [...new Set(all.flatMap((c) => (c.email ? [c.email] : [])))];
      const externalIds = [...new Set(all.flatMap((c) => (c.externalId ? [c.externalId] : [])))];
      const or: Array<Record<string, unknown>> = [{ _id: { $in: persons } }, { personId: { $in: persons } }];
      if (emails.length) or.push({ email: { $in: emails } });
      if (externalIds.length) or.push({ externalId: { $in: externalIds } });
      const before = found.size;
      for (const d of await this.model.find({ businessId, $or: or }).lean<Doc[]>()) if (!found.has(d._id.toString())) found.set(d._id.toString(), toRecord(d));
      if (found.size === before) break;
    }
    const created = (c: CustomerRecord) => new Types.ObjectId(c.id).getTimestamp().getTime();
    return [...found.values()].sort((a, b) => created(a) - created(b) || a.id.localeCompare(b.id));
  }

  /**
   * Make these customers one person: every one of them, and every record already linked to one of
   * them, gets the same `personId` (the one the first of them has, else its own id).
   */
  async link(businessId: string, ids: readonly string[]): Promise<void> {
    const _ids = [...new Set(ids)].filter((id) => /^[a-f0-9]{24}$/i.test(id)).map((id) => new Types.ObjectId(id));
    if (_ids.length < 2) return;
    const docs = await this.model.find({ businessId, _id: { $in: _ids } }, { personId: 1 }).sort({ _id: 1 }).lean<Doc[]>();
    const persons = docs.map((d) => (d.personId as Types.ObjectId | undefined) ?? d._id);
    const target = persons.find((p, i) => !p.equals(docs[i]!._id)) ?? persons[0];
    if (!target) return;
    await this.model.updateMany({ businessId, $or: [{ _id: { $in: [..._ids, ...persons] } }, { personId: { $in: persons } }] }, { $set: { personId: target } });
    await this.analyses?.changed(businessId);
  }

  /** Keep an erased customer's opt-out under the hash of its address only (see `suppressedAddress`). */
  /**
   * Remember what their new events said (the newest 20 features), so a survey started later counts
   * in those cohorts without a read of its own. Merged here rather than with `$push`/`$slice`, which
   * not every supported server applies; two batches for one customer at the same instant may keep
   * one's features only (the events themselves are stored either way).
   */
  async noteEvents(businessId: string, notes: ReadonlyArray<{ customerId: string; features: Array<{ feature: string; at: Date }> }>): Promise<void> {
    const wanted = notes.filter((n) => n.features.length);
    if (!wanted.length) return;
    const current = await this.model.find({ _id: { $in: wanted.map((n) => new Types.ObjectId(n.customerId)) }, businessId }, { recentEvents: 1, firstPurchaseAt: 1 }).lean<Doc[]>();
    const known = new Map(current.map((d) => [d._id.toString(), d]));
    const ops = wanted.map((n) => {
      const doc = known.get(n.customerId);
      const merged = [...((doc?.recentEvents as Array<{ feature: string; at: Date }> | undefined) ?? []), ...n.features].sort((a, b) => a.at.getTime() - b.at.getTime()).slice(-20);
      const purchases = [...n.features.filter((f) => f.feature === 'purchase').map((f) => f.at), ...(doc?.firstPurchaseAt ? [doc.firstPurchaseAt as Date] : [])];
      const firstPurchaseAt = purchases.length ? new Date(Math.min(...purchases.map((d) => d.getTime()))) : undefined;
      return { updateOne: { filter: { _id: new Types.ObjectId(n.customerId), businessId }, update: { $set: { recentEvents: merged, ...(firstPurchaseAt ? { firstPurchaseAt } : {}) } } } };
    });
    await this.model.bulkWrite(ops, { ordered: false });
  }

  async keepOptOut(key: CustomerKey, optedOutAt: Date, reason: string | undefined): Promise<void> {
    const address = suppressedAddress(key);
    const set = { optedOutAt, ...(reason ? { optOutReason: reason } : {}) };
    await this.model.updateOne({ businessId: key.businessId, channel: key.channel, address }, { $set: set, $setOnInsert: { businessId: key.businessId, channel: key.channel, address } }, { upsert: true }).catch((err: unknown) => {
      if (!isDuplicateKey(err)) throw err; // a concurrent erasure kept it first
    });
  }

  /**
   * Erase customers: each becomes a tombstone with its id, business, channel and `erasedAt`, and an
   * address (`#erased:<id>`) no one has, so a later contact from the address is a new customer and
   * never linked to the old, anonymised surveys.
   */
  async erase(businessId: string, ids: readonly string[], at: Date): Promise<number> {
    let erased = 0;
    for (const id of ids) {
      const gone = { name: 1, locale: 1, timeZone: 1, optedOutAt: 1, optOutReason: 1, lastSurveyedAt: 1, personId: 1, externalId: 1, email: 1, recentEvents: 1, firstPurchaseAt: 1 };
      const res = await this.model.updateOne({ _id: new Types.ObjectId(id), businessId, erasedAt: null }, { $set: { address: `#erased:${id}`, tags: [], erasedAt: at }, $unset: gone });
      erased += res.modifiedCount;
    }
    return erased;
  }

  /** Keep only a kept opt-out's hash and opt-out (`keepOptOut`): the name, language and tags a later contact gave it go. */
  async strip(businessId: string, id: string): Promise<number> {
    const gone = { name: 1, locale: 1, timeZone: 1, lastSurveyedAt: 1, personId: 1 };
    return (await this.model.updateOne({ _id: new Types.ObjectId(id), businessId }, { $set: { tags: [] }, $unset: gone })).modifiedCount;
  }
}
