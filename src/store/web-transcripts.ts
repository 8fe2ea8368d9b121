import { Schema, type Connection, type Types } from 'mongoose';
import { modelOn, type AnyModel } from './model.js';
import type { Choice } from '../domain/channels.js';

/** The web chat's conversation, line by line: what the chat page shows and polls. */
const messageSchema = new Schema(
  {
    businessId: { type: String, required: true },
    visitorId: { type: String, required: true },
    from: { type: String, enum: ['bot', 'visitor'], required: true },
    text: { type: String, required: true },
    choices: [{ _id: false, label: String, value: String }],
    dir: String,
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
messageSchema.index({ businessId: 1, visitorId: 1, _id: 1 });

export interface TranscriptLine {
  from: 'bot' | 'visitor';
  text: string;
  choices?: Choice[];
  dir?: 'ltr' | 'rtl';
}

export class WebTranscriptRepository {
  constructor(readonly model: AnyModel) {}

  static model(conn: Connection): AnyModel {
    return modelOn(conn, 'WebMessage', messageSchema, 'web_messages');
  }

  /** Lines written before several businesses belong to the environment's business (`businessId`). */
  async migrate(businessId: string): Promise<void> {
    await this.model.updateMany({ businessId: { $exists: false } }, { $set: { businessId } });
  }

  /** Append lines in order, in one write; returns their ids. */
  async append(businessId: string, visitorId: string, lines: readonly TranscriptLine[], at: Date): Promise<string[]> {
    if (!lines.length) return [];
    const docs = await this.model.insertMany(
      lines.map((l) => ({ businessId, visitorId, from: l.from, text: l.text, ...(l.choices?.length ? { choices: l.choices } : {}), ...(l.dir ? { dir: l.dir } : {}), at })),
    );
    return docs.map((d) => (d._id as Types.ObjectId).toString());
  }

  async list(businessId: string, visitorId: string, limit = 500): Promise<Array<TranscriptLine & { id: string }>> {
    const docs = await this.model.find({ businessId, visitorId }).sort({ _id: 1 }).limit(limit).lean<Array<Record<string, unknown> & { _id: Types.ObjectId }>>();
    return docs.map((m) => ({
      id: m._id.toString(),
      from: m.from as TranscriptLine['from'],
      text: m.text as string,
      ...((m.choices as Choice[] | undefined)?.length ? { choices: m.choices as Choice[] } : {}),
      ...(m.dir ? { dir: m.dir as TranscriptLine['dir'] } : {}),
    }));
  }

  /** Every line of these visitors' chats, oldest first. */
  async linesOf(businessId: string, visitorIds: readonly string[]): Promise<Array<{ id: string; visitorId: string; from: TranscriptLine['from']; text: string; at: Date }>> {
    if (!visitorIds.length) return [];
    const docs = await this.model.find({ businessId, visitorId: { $in: visitorIds } }).sort({ _id: 1 }).lean<Array<Record<string, unknown> & { _id: Types.ObjectId }>>();
    return docs.map((m) => ({ id: m._id.toString(), visitorId: m.visitorId as string, from: m.from as TranscriptLine['from'], text: m.text as string, at: m.at as Date }));
  }

  /** Lines of these visitors' chats whose text matches `pattern` (a case-insensitive regular expression every server runs). */
  async matching(businessId: string, visitorIds: readonly string[], pattern: string): Promise<Array<{ id: string; text: string }>> {
    if (!visitorIds.length) return [];
    const docs = await this.model.find({ businessId, visitorId: { $in: visitorIds }, text: { $regex: pattern, $options: 'i' } }, { text: 1 }).lean<Array<{ _id: Types.ObjectId; text: string }>>();
    return docs.map((m) => ({ id: m._id.toString(), text: m.text }));
  }

  async setText(businessId: string, id: string, text: string): Promise<void> {
    await this.model.updateOne({ _id: id, businessId }, { $set: { text } });
  }

  async deleteVisitors(businessId: string, visitorIds: readonly string[]): Promise<number> {
    return visitorIds.length ? (await this.model.deleteMany({ businessId, visitorId: { $in: visitorIds } })).deletedCount : 0;
  }
}
