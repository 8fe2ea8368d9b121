import { Schema, Types, type Connection } from 'mongoose';
import { modelOn, type AnyModel } from './model.js';
import { upsertOnce } from './upsert-once.js';
import type { AnalysisInputs } from './week-analyses.js';

export const eventTypes = ['purchase', 'delivery', 'support_ticket', 'web_visit', 'social_mention', 'refund', 'custom'] as const;
export type EventType = (typeof eventTypes)[number];

/** A scalar attribute: what an event says about itself (product, on time, minutes to resolution…). */
export type EventAttribute = string | number | boolean;

/**
 * Something that happened to a customer in another system (a purchase, a delivery, a support
 * ticket…). The unique (business, source, source event id) index makes a batch sent twice store
 * each event once.
 */
const eventSchema = new Schema(
  {
    businessId: { type: String, required: true },
    customerId: { type: Schema.Types.ObjectId, required: true },
    type: { type: String, enum: eventTypes, required: true },
    at: { type: Date, required: true },
    source: { type: String, required: true },
    sourceEventId: { type: String, required: true },
    attributes: { type: Schema.Types.Mixed, default: {} },
    receivedAt: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);
eventSchema.index({ businessId: 1, source: 1, sourceEventId: 1 }, { unique: true });
// One person's events in time order (timeline, what came before a score).
eventSchema.index({ businessId: 1, customerId: 1, at: 1 });

export interface EventRecord {
  id: string;
  businessId: string;
  customerId: string;
  type: EventType;
  at: Date;
  source: string;
  sourceEventId: string;
  attributes: Record<string, EventAttribute>;
}

export type NewEvent = Omit<EventRecord, 'id'>;

type Doc = Record<string, unknown> & { _id: Types.ObjectId; customerId: Types.ObjectId };

function toRecord(d: Doc): EventRecord {
  return {
    id: d._id.toString(),
    businessId: d.businessId as string,
    customerId: d.customerId.toString(),
    type: d.type as EventType,
    at: d.at as Date,
    source: d.source as string,
    sourceEventId: d.sourceEventId as string,
    attributes: (d.attributes as Record<string, EventAttribute> | undefined) ?? {},
  };
}

const ids = (list: readonly string[]) => list.filter((id) => /^[a-f0-9]{24}$/i.test(id)).map((id) => new Types.ObjectId(id));

/** Events from other systems, per business. */
export class EventRepository {
  constructor(
    readonly model: AnyModel,
    private readonly analyses?: AnalysisInputs,
  ) {}

  static model(conn: Connection): AnyModel {
    return modelOn(conn, 'Event', eventSchema, 'events');
  }

  /**
   * Store events once each: one unordered bulk of upserts with `$setOnInsert` on the idempotency key.
   * Returns, per event, whether this call created it or it was there already (sent before, or by a
   * concurrent call whose insert won).
   */
  async record(events: readonly NewEvent[], now: Date): Promise<Array<'created' | 'duplicate'>> {
    if (!events.length) return [];
    const ops = events.map((e) => ({
      updateOne: {
        filter: { businessId: e.businessId, source: e.source, sourceEventId: e.sourceEventId },
        update: { $setOnInsert: { ...e, customerId: new Types.ObjectId(e.customerId), receivedAt: now } },
        upsert: true,
      },
    }));
    const results = await upsertOnce(this.model, ops);
    // New events may come before answers already analysed: those weeks are out of date.
    const earliest = new Map<string, Date>();
    events.forEach((e, i) => {
      const before = earliest.get(e.businessId);
      if (results[i] === 'created' && (!before || e.at < before)) earliest.set(e.businessId, e.at);
    });
    for (const [businessId, at] of earliest) await this.analyses?.changed(businessId, at);
    return results;
  }

  /** Erasure: a person's events go (they name them, and may quote them). */
  async deleteOfCustomers(businessId: string, customerIds: readonly string[]): Promise<number> {
    const deleted = (await this.model.deleteMany({ businessId, customerId: { $in: ids(customerIds) } })).deletedCount;
    await this.analyses?.changed(businessId);
    return deleted;
  }

  /** The events of some customers (one person's addresses, or a cohort), oldest first, optionally in [from, to). */
  async ofCustomers(businessId: string, customerIds: readonly string[], range: { from?: Date; to?: Date } = {}): Promise<EventRecord[]> {
    const at: Record<string, Date> = {};
    if (range.from) at.$gte = range.from;
    if (range.to) at.$lt = range.to;
    const docs = await this.model
      .find({ businessId, customerId: { $in: ids(customerIds) }, ...(Object.keys(at).length ? { at } : {}) }, { receivedAt: 0 })
      .sort({ at: 1, _id: 1 })
      .lean<Doc[]>();
    return docs.map(toRecord);
  }
}
