import { commentOf } from '../domain/text.js';
import { promptsFor } from '../dialogs/prompts/index.js';
import { withButtonsOn } from '../domain/channels.js';
import type { Inbound, Outbound } from '../domain/channels.js';
import type { BusinessSettings, Identity, Store, SurveyRecord } from '../store/index.js';
import type { Outbox } from '../surveys/outbox.js';

/** How long after the business's last `/reply` the customer's answers are still forwarded. */
export const replyThreadMs = 7 * 24 * 3_600_000;

/** The owner's copy of a customer's answer, with how to answer back or end the conversation. */
export function forwardedAnswer(survey: Pick<SurveyRecord, 'id' | 'vars'>, text: string): Outbound {
  const who = survey.vars.customerName ?? 'the customer';
  return {
    text: `Answer from ${who} (survey ${survey.id}): "${text}"\nReply with: /reply ${survey.id} <your message>. End the conversation with: /end ${survey.id}`,
    choices: [
      { label: 'Reply', value: `/reply ${survey.id}` },
      { label: 'End', value: `/end ${survey.id}` },
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

  /**
   * The customer's answer: queued for the business first (named by the message, so a retry queues
   * nothing twice), then stored on the survey with the message id (a redelivery finds it there).
   * Returns the customer's confirmation, and the queued items to send after the reply.
   */
  async forward(survey: SurveyRecord & { thread: NonNullable<SurveyRecord['thread']> }, inbound: Inbound, raw: string): Promise<{ replies: Outbound[]; queued: string[] }> {
    const { comment: text } = commentOf(raw);
    if (!text) return { replies: [], queued: [] };
    const { thread } = survey;
    const to: Identity[] = thread.channel && thread.address ? [{ channel: thread.channel, address: thread.address }] : await this.store.staff.ownerIdentities(survey.businessId);
    const message = forwardedAnswer(survey, text);
    const queued = await this.outbox.enqueue(
      to.map((t) => ({
        businessId: survey.businessId,
        channel: t.channel,
        address: t.address,
        purpose: 'alert' as const,
        surveyId: survey.id,
        message: withButtonsOn(t.channel, message),
        nextAttemptAt: this.now(),
        key: `thread:${survey.id}:${inbound.providerMessageId}:${t.channel}:${t.address}`,
      })),
    );
    await this.store.threads.addCustomerAnswer(survey.id, { text, at: this.now(), messageId: inbound.providerMessageId });
    return { replies: [{ text: promptsFor(survey.locale).forwarded(survey.vars) }], queued };
  }
}
