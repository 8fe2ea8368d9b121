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
const commentSubmit = z.object({ comment: z.string() });

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
  /** Set when the message is a score button tap on a question card. */
  submit?: ScoreSubmit;
}

/** A Teams message activity as an `Inbound`, or undefined when it carries nothing we can read. */
export function toInbound(activity: Activity, address: string, receivedAt: Date): MappedMessage | undefined {
  const base: Inbound = {
    channel: 'teams',
    address,
    providerMessageId: activity.id ?? '',
    receivedAt,
    ...(activity.from?.name ? { displayName: activity.from.name } : {}),
  };
  if (!base.providerMessageId) return undefined;

  if (activity.value !== undefined && activity.value !== null) {
    const score = scoreSubmit.safeParse(activity.value);
    if (score.success) return { inbound: { ...base, choice: score.data.score }, submit: score.data };
    const comment = commentSubmit.safeParse(activity.value);
    if (comment.success) return { inbound: { ...base, text: comment.data.comment } };
  }

  if (typeof activity.text === 'string') {
    // In a team channel the text starts with "<at>Bot name</at>"; the command or answer is what follows.
    const text = (activity.recipient ? TurnContext.removeRecipientMention(activity) : activity.text) ?? '';
    const trimmed = text.trim();
    if (trimmed) return { inbound: { ...base, text: trimmed } };
  }
  return undefined;
}
