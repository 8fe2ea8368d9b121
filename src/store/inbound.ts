import { Schema, type Connection } from 'mongoose';
import { modelOn, type AnyModel } from './model.js';
import { isDuplicateKey } from './write-guard.js';

/**
 * Provider message ids of messages that touched no survey (staff commands, strangers' texts, deep
 * links): recorded before their effect, so a redelivery is recognised. Answers to a survey record
 * their id on the survey itself, in the same write as the answer.
 */
const inboundSchema = new Schema(
  {
    businessId: { type: String, required: true },
    channel: { type: String, required: true },
    providerMessageId: { type: String, required: true },
    receivedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
// Per business: each business's Telegram bot numbers its updates from its own counter.
inboundSchema.index({ businessId: 1, channel: 1, providerMessageId: 1 }, { unique: true, name: 'business_message' });
inboundSchema.index({ receivedAt: 1 });

export interface MessageId {
  channel: string;
  providerMessageId: string;
  receivedAt: Date;
}

export class InboundRepository {
  constructor(readonly model: AnyModel) {}

  static model(conn: Connection): AnyModel {
    return modelOn(conn, 'Inbound', inboundSchema, 'inbound');
  }

  /** True the first time this message id is recorded, false for a redelivery. */
  async record(businessId: string, message: MessageId): Promise<boolean> {
    try {
      await this.model.create({ businessId, channel: message.channel, providerMessageId: message.providerMessageId, receivedAt: message.receivedAt });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  /** Forget an id whose handling failed before it had any effect, so the provider's retry is handled. */
  async forget(businessId: string, message: MessageId): Promise<void> {
    await this.model.deleteOne({ businessId, channel: message.channel, providerMessageId: message.providerMessageId });
  }

  async seen(businessId: string, message: Pick<MessageId, 'channel' | 'providerMessageId'>): Promise<boolean> {
    return (await this.model.exists({ businessId, channel: message.channel, providerMessageId: message.providerMessageId })) !== null;
  }

  /** Databases from before several businesses had one id space for all: that index would refuse a second business's message. */
  async dropSharedIndex(): Promise<void> {
    await this.model.collection.dropIndex('channel_1_providerMessageId_1').catch(() => {});
  }

  async deleteOlderThan(before: Date): Promise<void> {
    await this.model.deleteMany({ receivedAt: { $lt: before } });
  }
}
