import { createHash } from 'node:crypto';
import { Schema, type Connection } from 'mongoose';
import { modelOn, type AnyModel } from './model.js';

/**
 * When each person last wrote to a channel that limits what may be sent after a silence (WhatsApp's
 * 24-hour customer-service window). Kept under a hash of (business, channel, address): the
 * collection names no one, and an erasure leaves nothing readable here.
 */
const chatWindowSchema = new Schema(
  {
    _id: { type: String, required: true },
    lastInboundAt: { type: Date, required: true },
  },
  { versionKey: false },
);
chatWindowSchema.index({ lastInboundAt: 1 });

const windowIdOf = (businessId: string, channel: string, address: string): string =>
  createHash('sha256').update(`window:${businessId}:${channel}:${address}`).digest('hex');

export class ChatWindowRepository {
  constructor(readonly model: AnyModel) {}

  static model(conn: Connection): AnyModel {
    return modelOn(conn, 'ChatWindow', chatWindowSchema, 'chat_windows');
  }

  /** The person wrote at `at` (a redelivery or an older message never moves the time back). */
  async wrote(businessId: string, channel: string, address: string, at: Date): Promise<void> {
    await this.model.updateOne({ _id: windowIdOf(businessId, channel, address) }, { $max: { lastInboundAt: at } }, { upsert: true });
  }

  /** When the person last wrote, if within what is kept. */
  async lastInbound(businessId: string, channel: string, address: string): Promise<Date | undefined> {
    const doc = await this.model.findById(windowIdOf(businessId, channel, address), { lastInboundAt: 1 }).lean<{ lastInboundAt: Date }>();
    return doc?.lastInboundAt ?? undefined;
  }

  /** An erased person's windows: when they last wrote is theirs too. */
  async forget(businessId: string, people: ReadonlyArray<{ channel: string; address: string }>): Promise<void> {
    if (!people.length) return;
    await this.model.deleteMany({ _id: { $in: people.map((p) => windowIdOf(businessId, p.channel, p.address)) } });
  }

  /** Windows long closed: nothing reads a time older than a day. */
  async deleteBefore(before: Date): Promise<void> {
    await this.model.deleteMany({ lastInboundAt: { $lt: before } });
  }
}
