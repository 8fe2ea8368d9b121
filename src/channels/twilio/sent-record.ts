import type twilio from 'twilio';

/** How far before a send's recorded time a message Twilio lists may have been created and still be that send. */
const lookbackMarginMs = 5_000;

/** One message looked for: the texts Twilio may list it by, and whether it may be listed with none. */
export interface LookedFor {
  /** Every text it may have gone as (a WhatsApp message outside the window goes as its template). */
  forms: readonly string[];
  /**
   * Twilio may list it with an empty body: content (a template, an interactive message) sent through
   * a messaging service, whose create answers with an empty body (twilio-node#1081).
   */
  blank?: boolean;
}

/**
 * Which of these messages, handed to Twilio for `to` (as Twilio lists it: `+E164`, or
 * `whatsapp:+E164`) at or after `since` with no answer back, Twilio has a message for: its SID where
 * it lists one with any of the message's texts, else `false`. A message that may be listed blank,
 * not found by its text while a blank message is listed, is `null`: it cannot be told now. One read
 * of the message list, newest first (20 messages: a person gets a few a survey); its times are
 * whole seconds, so 5 s of margin for those and the clocks. Each message listed stands for one
 * send, so two equal texts need two messages.
 */
export async function listedTexts(client: twilio.Twilio, to: string, looked: readonly LookedFor[], since: Date): Promise<Array<string | false | null>> {
  const from = since.getTime() - lookbackMarginMs;
  const sent = (await client.messages.list({ to, pageSize: 20, limit: 20 })).filter((m) => m.dateCreated.getTime() >= from);
  const found = looked.map(({ forms }) => {
    const at = sent.findIndex((m) => forms.includes(m.body));
    return at >= 0 ? sent.splice(at, 1)[0]!.sid : false;
  });
  return found.map((sid, i) => {
    if (sid || !looked[i]!.blank) return sid;
    const at = sent.findIndex((m) => !m.body);
    return at >= 0 && sent.splice(at, 1) ? null : false;
  });
}
