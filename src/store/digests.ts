import { Schema, Types, type Connection } from 'mongoose';
import { modelOn, type AnyModel } from './model.js';
import type { ChannelName } from '../domain/channels.js';
import type { WriteGuard } from './write-guard.js';
import { isDuplicateKey } from './write-guard.js';

/**
 * One weekly digest per business and period. The unique `(businessId, periodStart)` index picks one
 * among several instances sweeping at the scheduled minute. The recipients are fixed once (`items`),
 * and each send's outbox item is named by digest, recipient and try, so a retry after a crash finds
 * the same item instead of queueing a second one.
 */
const digestSchema = new Schema(
  {
    businessId: { type: String, required: true },
    /** The week reported on (Monday, business time zone). */
    periodStart: { type: String, required: true },
    /** `sent` once every owner identity has it or was given up on; `failed` when none got it. */
    state: { type: String, enum: ['pending', 'sent', 'failed'], default: 'pending' },
    /** One owner identity each; a failed send is tried again up to `tries` of 3, then `gaveUp`. */
    items: [
      {
        _id: false,
        channel: { type: String, required: true },
        address: { type: String, required: true },
        tries: { type: Number, default: 1 },
        gaveUp: Boolean,
      },
    ],
    /** Incremented by every change; a change applies only to the revision it was computed from. */
    rev: { type: Number, default: 0 },
    sentAt: Date,
  },
  { timestamps: true, versionKey: false },
);
digestSchema.index({ businessId: 1, periodStart: 1 }, { unique: true });
digestSchema.index({ state: 1 });

export interface DigestItem {
  channel: ChannelName;
  address: string;
  tries: number;
  gaveUp?: boolean;
}

export interface DigestRecord {
  id: string;
  businessId: string;
  periodStart: string;
  state: 'pending' | 'sent' | 'failed';
  items: DigestItem[];
  rev: number;
}

type Doc = Record<string, unknown> & { _id: Types.ObjectId };

const toRecord = (d: Doc): DigestRecord => ({
  id: d._id.toString(),
  businessId: d.businessId as string,
  periodStart: d.periodStart as string,
  state: d.state as DigestRecord['state'],
  items: ((d.items as Array<Record<string, unknown>> | undefined) ?? []).map((i) => ({
    channel: i.channel as ChannelName,
    address: i.address as string,
    tries: (i.tries as number | undefined) ?? 1,
    ...(i.gaveUp ? { gaveUp: true } : {}),
  })),
  rev: (d.rev as number | undefined) ?? 0,
});

export class DigestRepository {
  constructor(
    readonly model: AnyModel,
    private readonly guard: WriteGuard,
  ) {}

  static model(conn: Connection): AnyModel {
    return modelOn(conn, 'Digest', digestSchema, 'digests');
  }

  /** The digest of a period, created pending unless another instance (or an earlier pass) did. */
  async createIfAbsent(businessId: string, periodStart: string): Promise<void> {
    await this.model.create({ businessId, periodStart }).catch((err: unknown) => {
      if (!isDuplicateKey(err)) throw err;
    });
  }

  async pending(businessId: string, limit: number): Promise<DigestRecord[]> {
    const docs = await this.model.find({ businessId, state: 'pending' }).sort({ periodStart: 1 }).limit(limit).lean<Doc[]>();
    return docs.map(toRecord);
  }

  async byId(id: string): Promise<DigestRecord | undefined> {
    const doc = await this.model.findById(new Types.ObjectId(id)).lean<Doc>();
    return doc ? toRecord(doc) : undefined;
  }

  /** Change a digest from the revision it was read at; false when another writer changed it first. */
  async update(from: DigestRecord, set: Partial<Pick<DigestRecord, 'items' | 'state'>> & { sentAt?: Date }): Promise<boolean> {
    const done = await this.guard.exclusive({ collection: 'digests', id: from.id, version: from.rev }, () =>
      this.model.findOneAndUpdate({ _id: new Types.ObjectId(from.id), rev: from.rev }, { $set: set, $inc: { rev: 1 } }).lean<Doc>(),
    );
    return done !== null;
  }
}
