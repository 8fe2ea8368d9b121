import { TurnContext, type Activity } from 'botbuilder';
import { z } from 'zod';
import type { Inbound } from '../channel.js';
import type { ScoreSubmit } from './cards.js';

/** `activity.value` of an Adaptive Card submit: a score button, or a comment box. */
const scoreSubmit = z.object({
  score: z.union([z.string().trim().min(1), z.number()]).transform(String),
  surveyId: z.string().optional(),
  label: z.string().optional(),
  question: z.string().optional(),
});
const commentSubmit = z.object({ comment: z.string(), question: z.string().optional() });
const skipSubmit = z.object({ skip: z.literal(true), label: z.string().optional(), question: z.string().optional() });

const account = z.looseObject({ id: z.string().min(1), name: z.string().optional(), aadObjectId: z.string().optional() });

/**
 * The parts of an activity the SDK and this channel read, checked before either reads them: a value
 * of the wrong type (an object where Teams sends a string, such as `{"$gt": ""}`) is a 400, never a
 * database query or a 500. Objects are loose: Teams adds fields over time.
 */
const activitySchema = z
  .looseObject({
    type: z.string().min(1),
    id: z.string().optional(),
    serviceUrl: z.string().min(1),
    channelId: z.string().min(1),
    from: account,
    recipient: account.optional(),
    conversation: z.looseObject({ id: z.string().min(1), conversationType: z.string().optional(), tenantId: z.string().optional(), isGroup: z.boolean().optional() }),
    text: z.string().optional(),
    replyToId: z.string().optional(),
    action: z.string().optional(),
    locale: z.string().optional(),
    membersAdded: z.array(account).optional(),
    entities: z.array(z.looseObject({ type: z.string(), text: z.string().optional(), mentioned: account.optional() })).optional(),
    value: z.unknown().optional(),
  })
  .refine((a) => a.type !== 'message' || a.value === undefined || a.value === null || z.union([scoreSubmit, commentSubmit, skipSubmit]).safeParse(a.value).success, {
    message: 'not what a button of our cards sends',
    path: ['value'],
  });

/** Why a request body is not an activity we read, or undefined when it is one. */
export function activityProblem(body: unknown): string | undefined {
  const parsed = activitySchema.safeParse(body);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  return `not a Bot Framework activity: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`;
}

/** A stable key for a Teams user: the Entra object id when Teams gives it, else the channel account id. */
export function addressOf(activity: Partial<Activity>): string | undefined {
  return activity.from?.aadObjectId || activity.from?.id || undefined;
}

/** Personal (1:1) chats are where surveys go; a team channel would show the question to everyone. */
export function isPersonalChat(activity: Partial<Activity>): boolean {
  const type = activity.conversation?.conversationType;
  return type === undefined || type === 'personal';
}

export interface MappedMessage {
  inbound: Inbound;
  /** Set when the message came from a card: its question and the answer, to redraw it answered. */
  answered?: { question?: string; answer: string };
}

const scoreAnswer = (s: ScoreSubmit) => ({ question: s.question, answer: s.label ?? s.score });

/** A Teams message activity as an `Inbound`, or undefined when it carries nothing we can read. */
export function toInbound(activity: Activity, address: string, receivedAt: Date): MappedMessage | undefined {
  const base: Inbound = {
    channel: 'teams',
    address,
    providerMessageId: activity.id ?? '',
    receivedAt,
    ...(activity.from?.name ? { displayName: activity.from.name } : {}),
    // A group chat or a team channel: no survey runs there; a staff member's command still does.
    ...(isPersonalChat(activity) ? {} : { group: { sender: address } }),
  };
  if (!base.providerMessageId) return undefined;

  if (activity.value !== undefined && activity.value !== null) {
    const score = scoreSubmit.safeParse(activity.value);
    if (score.success) {
      const { surveyId } = score.data;
      return { inbound: { ...base, choice: score.data.score, ...(surveyId ? { choiceSurveyId: surveyId } : {}) }, answered: scoreAnswer(score.data) };
    }
    const comment = commentSubmit.safeParse(activity.value);
    if (comment.success) {
      const text = comment.data.comment.trim();
      if (!text) return undefined;
      return { inbound: { ...base, text }, ...(comment.data.question ? { answered: { question: comment.data.question, answer: text } } : {}) };
    }
    const skip = skipSubmit.safeParse(activity.value);
    // The skip keyword every locale knows; the dialog answers it in the customer's language.
    if (skip.success) return { inbound: { ...base, text: 'skip' }, answered: { question: skip.data.question, answer: skip.data.label ?? 'Skip' } };
  }

  if (typeof activity.text === 'string') {
    // In a team channel the text starts with "<at>Bot name</at>"; the command or answer is what follows.
    const text = (activity.recipient ? TurnContext.removeRecipientMention(activity) : activity.text) ?? '';
    const trimmed = text.trim();
    if (trimmed) return { inbound: { ...base, text: trimmed } };
  }
  return undefined;
}
