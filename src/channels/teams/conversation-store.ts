import type { ConversationReference } from 'botbuilder';
import { Schema, type Connection, type Model } from 'mongoose';

/**
 * Where the bot can reach each Teams user later: the conversation reference of their personal chat,
 * saved on install and on every message, read for proactive sends (invitations, reminders, digests).
 */
export interface ConversationStore {
  /** Build the unique index on the address. */
  init(): Promise<void>;
  save(address: string, reference: Partial<ConversationReference>, now: Date): Promise<void>;
  find(address: string): Promise<Partial<ConversationReference> | undefined>;
}

interface TeamsConversation {
  address: string;
  reference: Partial<ConversationReference>;
  updatedAt: Date;
}

const schema = new Schema<TeamsConversation>(
  {
    address: { type: String, required: true },
    reference: { type: Schema.Types.Mixed, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'teams_conversations', versionKey: false, minimize: false },
);
schema.index({ address: 1 }, { unique: true });

function model(connection: Connection): Model<TeamsConversation> {
  return (
    (connection.models.TeamsConversation as Model<TeamsConversation> | undefined) ??
    connection.model<TeamsConversation>('TeamsConversation', schema)
  );
}

/** A store on the app's connection (`app.db`), never the global mongoose. */
export function createConversationStore(connection: Connection): ConversationStore {
  const conversations = model(connection);
  return {
    async init() {
      await conversations.init();
    },
    async save(address, reference, now) {
      // Proactive sends start a new message; a stored activity id would turn them into replies.
      const { activityId: _activityId, ...stable } = reference;
      await conversations.updateOne(
        { address },
        { $set: { reference: stable, updatedAt: now } },
        { upsert: true },
      );
    },
    async find(address) {
      const found = await conversations.findOne({ address }).lean();
      return found?.reference;
    },
  };
}
