import { Schema, type Connection } from 'mongoose';
import { channelsWhere } from '../domain/channel-facts.js';
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

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * On channels whose chats our database keeps (web chat) message ids are `<address>:<the page's id>`;
 * other channels' ids name no one, so they are matched one by one.
 */
function personFilter(webVisitors: readonly string[], ids: ReadonlyArray<Pick<MessageId, 'channel' | 'providerMessageId'>>) {
  const or = [
    ...channelsWhere((f) => f.transcript).flatMap((channel) => webVisitors.map((v) => ({ channel, providerMessageId: { $regex: `^${escapeRegex(v)}:` } }))),
    ...ids.map((i) => ({ channel: i.channel, providerMessageId: i.providerMessageId })),
  ];
  return or.length ? { $or: or } : undefined;
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

  /** One person's message ids: a web visitor's own (their ids start with the visitor id) and the ids given. */
  async ofPerson(businessId: string, webVisitors: readonly string[], ids: ReadonlyArray<Pick<MessageId, 'channel' | 'providerMessageId'>>): Promise<MessageId[]> {
    const filter = personFilter(webVisitors, ids);
    if (!filter) return [];
    const docs = await this.model.find({ businessId, ...filter }).sort({ receivedAt: 1 }).lean<MessageId[]>();
    return docs.map((d) => ({ channel: d.channel, providerMessageId: d.providerMessageId, receivedAt: d.receivedAt }));
  }

  async deleteOfPerson(businessId: string, webVisitors: readonly string[], ids: ReadonlyArray<Pick<MessageId, 'channel' | 'providerMessageId'>>): Promise<number> {
    const filter = personFilter(webVisitors, ids);
    return filter ? (await this.model.deleteMany({ businessId, ...filter })).deletedCount : 0;
  }
}
