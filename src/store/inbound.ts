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
    channel: { type: String, required: true },
    providerMessageId: { type: String, required: true },
    receivedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
inboundSchema.index({ channel: 1, providerMessageId: 1 }, { unique: true });
inboundSchema.index({ receivedAt: 1 });

export interface MessageId {
  channel: string;
  providerMessageId: string;
  receivedAt: Date;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Web message ids are `<visitor id>:<the page's id>`; other channels' ids name no one, so they are matched one by one. */
function personFilter(webVisitors: readonly string[], ids: ReadonlyArray<Pick<MessageId, 'channel' | 'providerMessageId'>>) {
  const or = [
    ...webVisitors.map((v) => ({ channel: 'web', providerMessageId: { $regex: `^${escapeRegex(v)}:` } })),
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
  async record(message: MessageId): Promise<boolean> {
    try {
      await this.model.create({ channel: message.channel, providerMessageId: message.providerMessageId, receivedAt: message.receivedAt });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  /** Forget an id whose handling failed before it had any effect, so the provider's retry is handled. */
  async forget(message: MessageId): Promise<void> {
    await this.model.deleteOne({ channel: message.channel, providerMessageId: message.providerMessageId });
  }

  async seen(message: Pick<MessageId, 'channel' | 'providerMessageId'>): Promise<boolean> {
    return (await this.model.exists({ channel: message.channel, providerMessageId: message.providerMessageId })) !== null;
  }

  async deleteOlderThan(before: Date): Promise<void> {
    await this.model.deleteMany({ receivedAt: { $lt: before } });
  }

  /** One person's message ids: a web visitor's own (their ids start with the visitor id) and the ids given. */
  async ofPerson(webVisitors: readonly string[], ids: ReadonlyArray<Pick<MessageId, 'channel' | 'providerMessageId'>>): Promise<MessageId[]> {
    const filter = personFilter(webVisitors, ids);
    if (!filter) return [];
    const docs = await this.model.find(filter).sort({ receivedAt: 1 }).lean<MessageId[]>();
    return docs.map((d) => ({ channel: d.channel, providerMessageId: d.providerMessageId, receivedAt: d.receivedAt }));
  }

  async deleteOfPerson(webVisitors: readonly string[], ids: ReadonlyArray<Pick<MessageId, 'channel' | 'providerMessageId'>>): Promise<number> {
    const filter = personFilter(webVisitors, ids);
    return filter ? (await this.model.deleteMany(filter)).deletedCount : 0;
  }
}
