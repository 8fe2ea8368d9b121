import { Schema, Types, type Connection } from 'mongoose';
import { modelOn, type AnyModel } from './model.js';
import type { Locale, SurveyKind } from '../domain/surveys.js';
import type { WriteGuard } from './write-guard.js';
import { isLanguage } from '../dialogs/languages.js';

/**
 * A one-time survey invitation behind a deep link (`https://t.me/<bot>?start=<token>`), made by the
 * API or a staff command for a customer whose chat address is not known yet. `_id` is the SHA-256
 * of the secret part of the token, so a copy of the database cannot be turned into working links.
 * Redeemed by one chat (`usedBy`), which may open it again; its survey is `surveyId`.
 */
const invitationSchema = new Schema(
  {
    _id: { type: String, required: true },
    businessId: { type: String, required: true },
    channel: { type: String, required: true },
    kind: { type: String, enum: ['nps', 'csat', 'ces'], required: true },
    name: String,
    locale: { type: String, validate: { validator: isLanguage, message: 'not a registered language' } },
    context: String,
    tags: { type: [String], default: [] },
    /** The existing customer (on any channel) this link is for: the chat that opens it becomes the same person. */
    customerId: Schema.Types.ObjectId,
    /** `api` or the staff member's id. */
    createdBy: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    /** When its survey started. */
    usedAt: Date,
    /** `channel:address` of the chat that redeemed it. */
    usedBy: String,
    surveyId: Schema.Types.ObjectId,
  },
  { timestamps: true, versionKey: false },
);
invitationSchema.index({ businessId: 1, createdAt: -1 });
invitationSchema.index({ expiresAt: 1 });

export interface InvitationRecord {
  id: string;
  businessId: string;
  channel: string;
  kind: SurveyKind;
  name?: string;
  locale?: Locale;
  context?: string;
  tags: string[];
  customerId?: string;
  createdBy: string;
  expiresAt: Date;
  usedAt?: Date;
  usedBy?: string;
}

type Doc = Record<string, unknown> & { _id: string };
const opt = <T>(v: unknown) => (v === null || v === undefined ? undefined : (v as T));

const toRecord = (d: Doc): InvitationRecord => ({
  id: d._id,
  businessId: d.businessId as string,
  channel: d.channel as string,
  kind: d.kind as SurveyKind,
  name: opt(d.name),
  locale: opt(d.locale),
  context: opt(d.context),
  tags: (d.tags as string[] | undefined) ?? [],
  customerId: opt<Types.ObjectId>(d.customerId)?.toString(),
  createdBy: d.createdBy as string,
  expiresAt: d.expiresAt as Date,
  usedAt: opt(d.usedAt),
  usedBy: opt(d.usedBy),
});

export class InvitationRepository {
  constructor(
    readonly model: AnyModel,
    private readonly guard: WriteGuard,
  ) {}

  static model(conn: Connection): AnyModel {
    return modelOn(conn, 'Invitation', invitationSchema, 'invitations');
  }

  async create(invitation: Omit<InvitationRecord, 'usedAt' | 'usedBy' | 'tags'> & { tags?: string[] }): Promise<void> {
    const { id, customerId, ...rest } = invitation;
    await this.model.create({ _id: id, ...rest, ...(customerId ? { customerId: new Types.ObjectId(customerId) } : {}) });
  }

  async find(id: string, businessId: string): Promise<InvitationRecord | undefined> {
    const doc = await this.model.findOne({ _id: id, businessId }).lean<Doc>();
    return doc ? toRecord(doc) : undefined;
  }

  /** Redeem for `by`: true when `by` holds it now (it won, or had it already), false when someone else does. */
  async redeem(invitation: InvitationRecord, by: string): Promise<boolean> {
    if (invitation.usedBy) return invitation.usedBy === by;
    const won = await this.guard.exclusive({ collection: 'invitations', id: invitation.id, version: 'redeem' }, () =>
      this.model.findOneAndUpdate({ _id: invitation.id, usedBy: null }, { $set: { usedBy: by } }).lean<Doc>(),
    );
    if (won) return true;
    const now = await this.model.findById(invitation.id, { usedBy: 1 }).lean<Doc>();
    return now?.usedBy === by;
  }

  async markUsed(id: string, at: Date, surveyId: string): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { usedAt: at, surveyId: new Types.ObjectId(surveyId) } });
  }

  async deleteExpiredBefore(before: Date): Promise<void> {
    await this.model.deleteMany({ expiresAt: { $lt: before } });
  }

  /** Invitations made for these customers, redeemed by these chats (`channel:address`) or behind these surveys. */
  async ofPerson(businessId: string, customerIds: readonly string[], usedBy: readonly string[], surveyIds: readonly string[]): Promise<InvitationRecord[]> {
    const or = [
      { customerId: { $in: customerIds.map((id) => new Types.ObjectId(id)) } },
      { usedBy: { $in: [...usedBy] } },
      { surveyId: { $in: surveyIds.map((id) => new Types.ObjectId(id)) } },
    ];
    const docs = await this.model.find({ businessId, $or: or }).sort({ createdAt: 1 }).lean<Doc[]>();
    return docs.map(toRecord);
  }

  /** Drop the name, context and redeeming chat of these invitations; a redeemed one stays used, so no one else can open it. */
  async erase(businessId: string, ids: readonly string[]): Promise<number> {
    if (!ids.length) return 0;
    const { modifiedCount } = await this.model.updateMany({ businessId, _id: { $in: [...ids] } }, { $unset: { name: 1, context: 1 } });
    await this.model.updateMany({ businessId, _id: { $in: [...ids] }, usedBy: { $ne: null } }, { $set: { usedBy: '#erased' } });
    return modifiedCount;
  }
}
