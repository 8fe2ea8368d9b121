import { Schema, type Connection } from 'mongoose';
import { modelOn, type AnyModel } from './model.js';

/**
 * Where the bot can reach each Teams user later: the conversation reference of their personal chat
 * (a Bot Framework `ConversationReference`, kept as the SDK gives it), saved on install and whenever a
 * message brings a different one, read for proactive sends (invitations, reminders, digests).
 */
const schema = new Schema(
  {
    businessId: { type: String, required: true },
    address: { type: String, required: true },
    reference: { type: Schema.Types.Mixed, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);
schema.index({ businessId: 1, address: 1 }, { unique: true, name: 'business_address' });

/** References this process saved lately, remembered so an unchanged one is not written again (well under a megabyte). */
const rememberedSaves = 10_000;
/**
 * An unchanged reference is written again after this long anyway: another instance may have erased
 * the person's data or saved a newer reference meanwhile, and this bounds how long that goes unseen.
 */
export const resaveAfterMs = 10 * 60_000;

export class TeamsConversationRepository {
  /** The last reference saved per business and address, as JSON, and when; oldest first. */
  private readonly saved = new Map<string, { json: string; at: number }>();

  constructor(readonly model: AnyModel) {}

  static model(conn: Connection): AnyModel {
    return modelOn(conn, 'TeamsConversation', schema, 'teams_conversations');
  }

  /** References saved before several businesses belong to the environment's business (`businessId`) (each business has its own Teams app). */
  async migrate(businessId: string): Promise<void> {
    await this.model.collection.dropIndex('address_1').catch(() => {});
    await this.model.updateMany({ businessId: { $exists: false } }, { $set: { businessId } });
  }

  /** Saved when it differs from the one this process saved last (or that was long ago): most messages send none. */
  async save(businessId: string, address: string, reference: object, at: Date): Promise<void> {
    const key = `${businessId}\n${address}`;
    const json = JSON.stringify(reference);
    const last = this.saved.get(key);
    if (last?.json === json && Math.abs(at.getTime() - last.at) < resaveAfterMs) return;
    await this.model.updateOne({ businessId, address }, { $set: { reference, updatedAt: at } }, { upsert: true });
    this.saved.delete(key);
    this.saved.set(key, { json, at: at.getTime() });
    if (this.saved.size > rememberedSaves) this.saved.delete(this.saved.keys().next().value!);
  }

  async find(businessId: string, address: string): Promise<object | undefined> {
    const found = await this.model.findOne({ businessId, address }).lean<{ reference: object }>();
    return found?.reference;
  }

  /** The references kept for these users, for a person's data export. */
  async ofAddresses(businessId: string, addresses: readonly string[]): Promise<Array<{ address: string; reference: object; updatedAt: Date }>> {
    if (!addresses.length) return [];
    return this.model.find({ businessId, address: { $in: addresses } }, { _id: 0, address: 1, reference: 1, updatedAt: 1 }).lean<Array<{ address: string; reference: object; updatedAt: Date }>>();
  }

  async deleteAddresses(businessId: string, addresses: readonly string[]): Promise<number> {
    for (const address of addresses) this.saved.delete(`${businessId}\n${address}`);
    return addresses.length ? (await this.model.deleteMany({ businessId, address: { $in: addresses } })).deletedCount : 0;
  }
}
