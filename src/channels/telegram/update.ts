import { z } from 'zod';

/*
 * The parts of a Telegram Update (https://core.telegram.org/bots/api#update) the channel reads.
 * Objects are loose: Telegram adds fields over time and telegraf gets the body as it came.
 */

const user = z.looseObject({
  id: z.number().int(),
  is_bot: z.boolean(),
  first_name: z.string(),
});

const chat = z.looseObject({
  id: z.number().int(),
  type: z.string(),
});

const message = z.looseObject({
  message_id: z.number().int(),
  date: z.number().int(),
  chat,
  from: user.optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
});

const callbackQuery = z.looseObject({
  id: z.string().min(1),
  from: user,
  chat_instance: z.string(),
  /** Absent for inline-mode messages; an InaccessibleMessage (date 0) when too old. */
  message: z.looseObject({ message_id: z.number().int(), date: z.number().int(), chat }).optional(),
  data: z.string().optional(),
});

/** The bot's own membership in a chat changed: in a private chat, "kicked" means the person blocked it. */
const chatMemberUpdated = z.looseObject({
  chat,
  from: user,
  date: z.number().int(),
  old_chat_member: z.looseObject({ status: z.string() }),
  new_chat_member: z.looseObject({ status: z.string(), user }),
});

export const updateSchema = z.looseObject({
  update_id: z.number().int().nonnegative(),
  message: message.optional(),
  callback_query: callbackQuery.optional(),
  my_chat_member: chatMemberUpdated.optional(),
});

export type ParsedUpdate = z.infer<typeof updateSchema>;

/** A one-line reason for a 400, naming the first bad field. */
export function updateProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'not a Telegram update';
  const at = issue.path.length ? issue.path.join('.') : 'body';
  return `not a Telegram update: ${at}: ${issue.message}`;
}
