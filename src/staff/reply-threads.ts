import { commentOf } from '../domain/text.js';
import { promptsFor } from '../dialogs/prompts/index.js';
import { ownerWords } from '../dialogs/prompts/owner-words.js';
import type { Locale } from '../domain/surveys.js';
import { withButtonsOn } from '../domain/channels.js';
import type { Inbound, Outbound } from '../domain/channels.js';
import type { BusinessSettings, Identity, OwnerIdentity, Store, SurveyRecord } from '../store/index.js';
import type { Outbox } from '../surveys/outbox.js';

/** How long after the business's last `/reply` the customer's answers are still forwarded. */
export const replyThreadMs = 7 * 24 * 3_600_000;

/** The owner's copy of a customer's answer, in the owner's language, with how to answer back or end the conversation. */
export function forwardedAnswer(survey: Pick<SurveyRecord, 'id' | 'vars'>, text: string, locale: Locale = 'en'): Outbound {
  const w = ownerWords(locale);
  const who = survey.vars.customerName ?? w.t('customer');
  return {
    text: w.t('alert.answer', { who, id: survey.id, text }),
    ...(w.dir === 'rtl' ? { dir: 'rtl' as const } : {}),
    choices: [
      { label: w.t('button.reply'), value: `/reply ${survey.id}` },
      { label: w.t('button.end'), value: `/end ${survey.id}` },
    ],
  };
}

/**
 * Closing the loop is a conversation: a business's `/reply` opens a thread on the survey, and the
 * customer's answers, until the business ends it (`/end`) or `replyThreadMs` after its last reply,
 * are stored on the survey (its `replies`, the customer's timeline) and forwarded to whoever replied
 * (every owner when the reply came from the dashboard).
 */
export class ReplyThreads {
  constructor(
    private readonly store: Store,
    private readonly business: BusinessSettings,
    private readonly outbox: Outbox,
    private readonly now: () => Date,
  ) {}

  /** A reply from `by` (a staff id) opens or extends the thread; `via` is their chat, if it came from one. */
  async open(surveyId: string, by: string, via: Identity | undefined): Promise<void> {
    await this.store.threads.open(surveyId, { by, ...(via ? { channel: via.channel, address: via.address } : {}), until: new Date(this.now().getTime() + replyThreadMs) });
  }

  end(surveyId: string): Promise<boolean> {
    return this.store.threads.end(surveyId, this.business.id);
  }

  /** Whether a message from this survey's customer is an answer in an open thread. */
  isOpen(survey: SurveyRecord | undefined): survey is SurveyRecord & { thread: NonNullable<SurveyRecord['thread']> } {
    return Boolean(survey?.thread && survey.thread.until.getTime() > this.now().getTime());
  }

  /** The chat a reply came from, with its staff member's own language (if they still have access and chose one). */
  private async replier(chat: Identity): Promise<OwnerIdentity[]> {
    const member = await this.store.staff.identify(this.business.id, chat);
    return [{ ...chat, ...(member?.locale ? { locale: member.locale } : {}) }];
  }

  /**
   * The customer's answer: queued for the business first (named by the message, so a retry queues
   * nothing twice), then stored on the survey with the message id (a redelivery finds it there).
   * Returns the customer's confirmation, and the queued items to send after the reply.
   */
  async forward(survey: SurveyRecord & { thread: NonNullable<SurveyRecord['thread']> }, inbound: Inbound, raw: string): Promise<{ replies: Outbound[]; queued: string[] }> {
    const { comment: text } = commentOf(raw);
    if (!text) return { replies: [], queued: [] };
    const { thread } = survey;
    const to = thread.channel && thread.address ? await this.replier({ channel: thread.channel, address: thread.address }) : await this.store.staff.ownerIdentities(survey.businessId);
    const queued = await this.outbox.enqueue(
      to.map((t) => ({
        businessId: survey.businessId,
        channel: t.channel,
        address: t.address,
        purpose: 'alert' as const,
        surveyId: survey.id,
        message: withButtonsOn(t.channel, forwardedAnswer(survey, text, t.locale ?? this.business.locale)),
        nextAttemptAt: this.now(),
        key: `thread:${survey.id}:${inbound.providerMessageId}:${t.channel}:${t.address}`,
      })),
    );
    await this.store.threads.addCustomerAnswer(survey.id, { text, at: this.now(), messageId: inbound.providerMessageId });
    return { replies: [{ text: promptsFor(survey.locale).forwarded(survey.vars) }], queued };
  }
}
