import { Types } from 'mongoose';
import type { AnyModel } from './model.js';
import type { WriteGuard } from './write-guard.js';

/**
 * What happens on a survey besides its dialog, on the surveys collection: the invitation reported
 * lost. None of these change the dialog's revision, so they never make an answer recompute.
 */
export class SurveyThreadRepository {
  constructor(
    private readonly model: AnyModel,
    private readonly guard: WriteGuard,
  ) {}

  private write(id: string, filter: Record<string, unknown>, update: Record<string, unknown>) {
    return this.guard.single({ collection: 'surveys', id }, () => this.model.updateOne({ _id: new Types.ObjectId(id), ...filter }, update));
  }

  /** The invitation never reached the customer (a provider's report, or a send that failed for good). */
  async markUndelivered(surveyId: string, at: Date): Promise<void> {
    await this.write(surveyId, { undeliveredAt: null }, { $set: { undeliveredAt: at } });
  }
}
