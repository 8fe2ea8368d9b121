import { Types } from 'mongoose';
import type { AnyModel } from './model.js';
import type { SurveyThread } from './survey-records.js';
import type { WriteGuard } from './write-guard.js';

/**
 * What happens on a survey besides its dialog, on the surveys collection: the invitation reported
 * lost, and the conversation a business's `/reply` opens with the customer. None of these change
 * the dialog's revision, so they never make an answer recompute.
 */
export class SurveyThreadRepository {
  constructor(
    private readonly model: AnyModel,
    private readonly guard: WriteGuard,
  ) {}

  private write(id: string, filter: Record<string, unknown>, update: Record<string, unknown>) {
    return this.guard.single({ collection: 'surveys', id }, () => this.model.updateOne({ _id: new Types.ObjectId(id), ...filter }, update));
  }

  /** An anonymous respondent left a contact: the survey is theirs from now on (once; a second contact changes nothing). */
  async markIdentified(businessId: string, surveyId: string, at: Date): Promise<void> {
    await this.write(surveyId, { businessId, identifiedAt: null }, { $set: { identifiedAt: at } });
  }

  /** The invitation never reached the customer (a provider's report, or a send that failed for good). */
  async markUndelivered(surveyId: string, at: Date): Promise<void> {
    await this.write(surveyId, { undeliveredAt: null }, { $set: { undeliveredAt: at } });
  }

  /** A reply from the business opens (or extends) the conversation: the customer's answers go to `thread`. */
  async open(surveyId: string, thread: SurveyThread): Promise<void> {
    await this.write(surveyId, {}, { $set: { thread } });
  }

  async end(surveyId: string, businessId: string): Promise<boolean> {
    const result = await this.write(surveyId, { businessId, thread: { $ne: null } }, { $unset: { thread: 1 } });
    return result.modifiedCount > 0;
  }

  /**
   * The customer's answer in the conversation, stored once per provider message (its id joins the
   * survey's consumed ids, where a redelivery finds it). Returns false for a message already stored.
   */
  async addCustomerAnswer(surveyId: string, answer: { text: string; at: Date; messageId: string }): Promise<boolean> {
    const result = await this.write(surveyId, { inbound: { $ne: answer.messageId } }, { $push: { replies: { text: answer.text, at: answer.at, by: 'customer' }, inbound: answer.messageId } });
    return result.modifiedCount > 0;
  }
}
