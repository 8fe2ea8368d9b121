import type { FastifyBaseLogger } from 'fastify';
import { withButtonsOn } from '../domain/channels.js';
import type { Outbound } from '../domain/channels.js';
import { ownerWords } from '../dialogs/prompts/owner-words.js';
import { kindLabel, type Locale } from '../domain/surveys.js';
import type { AlertEvent, NewOutboxItem, OwedEffect, Store, SurveyRecord } from '../store/index.js';
import type { Outbox } from '../surveys/outbox.js';

/** The alert texts, in the owner's language; pure, so the wording is tested without a server. */
export function detractorAlert(survey: Pick<SurveyRecord, 'id' | 'kind' | 'score' | 'vars'>, comment: string | undefined, firstAlert: boolean, locale: Locale = 'en'): Outbound {
  const w = ownerWords(locale);
  const values = {
    who: survey.vars.customerName ?? w.t('someone'),
    kind: kindLabel[survey.kind],
    score: survey.score === undefined ? '-' : w.number(survey.score),
    hasComment: comment ? 'yes' : 'no',
    comment: comment ?? '',
    id: survey.id,
  };
  const text = w.t(firstAlert ? 'alert.detractor' : 'alert.comment', values);
  return {
    text,
    ...(w.dir === 'rtl' ? { dir: 'rtl' as const } : {}),
    // Telegram and Teams show this as a button; tapping it explains how to write the reply.
    choices: [{ label: w.t('button.reply'), value: `/reply ${survey.id}` }],
    // Where the owner's chat must be reopened by a template (WhatsApp after a day's silence), the text rides in it.
    template: { purpose: 'owner', locale, values: { text } },
  };
}

/**
 * Tells every owner, within seconds, when a customer gives a detractor score, and again with their
 * comment when it arrives. The answer's own write records the alerts it owes (among the survey's
 * `owed` effects); they are queued here afterwards, outside the customer's request, and by the
 * sweeper after a crash. Each outbox item is named by survey, event and owner address, so queueing
 * twice sends once.
 */
export class DetractorAlerts {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly outbox: Outbox,
    private readonly now: () => Date,
    private readonly log: FastifyBaseLogger,
    /** The business's language, for owners who chose none (from the served businesses, no read). */
    private readonly businessLocale: (businessId: string) => Promise<Locale | undefined> = async () => undefined,
  ) {}

  /** Queue and send the alerts a survey owes (as its answer's write left it), without making the caller wait. */
  queue(survey: SurveyRecord): void {
    const run = this.flush(survey)
      .catch((err: unknown) => this.log.error({ err, surveyId: survey.id }, 'detractor alert failed; the sweeper retries'))
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Wait for alerts started by `queue` (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }

  /**
   * Queue and send the alerts a survey owes, then clear them from it (a crash in between queues them
   * again, under the same names). The items are queued already taken for sending, in one write, so
   * they are sent without being read back; one queued before under the same name is left to the sweeper.
   */
  async flush(survey: SurveyRecord): Promise<void> {
    const due = survey.owed.filter((o): o is Extract<OwedEffect, { type: 'alert' }> => o.type === 'alert');
    if (!due.length) return;
    const taken = await this.outbox.takeNew(await this.outboxItems(survey, due.map((o) => o.event)));
    await this.store.surveys.clearOwed(survey.id, due);
    await this.outbox.sendTaken(taken);
  }

  /** The outbox items of these alerts of a survey: one per owner and alert. */
  async outboxItems(survey: SurveyRecord, events: readonly AlertEvent[]): Promise<NewOutboxItem[]> {
    if (!events.length) return [];
    const owners = await this.store.staff.ownerIdentities(survey.businessId);
    const fallback = (await this.businessLocale(survey.businessId)) ?? 'en';
    return events.flatMap((event) => {
      return owners.map(({ locale, ...owner }) => ({
        businessId: survey.businessId,
        ...owner,
        purpose: 'alert' as const,
        surveyId: survey.id,
        // A channel without buttons gets the text, which already carries the /reply hint.
        message: withButtonsOn(owner.channel, detractorAlert(survey, event === 'commented' ? survey.comment : undefined, event === 'scored', locale ?? fallback)),
        nextAttemptAt: this.now(),
        key: `alert:${survey.id}:${event}:${owner.channel}:${owner.address}`,
      }));
    });
  }
}
