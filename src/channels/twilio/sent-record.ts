import type twilio from 'twilio';

/** How far before a send's recorded time a message Twilio lists may have been created and still be that send. */
const lookbackMarginMs = 5_000;

/**
 * Which of these messages, handed to Twilio for `to` (as Twilio lists it: `+E164`, or
 * `whatsapp:+E164`) at or after `since` with no answer back, Twilio has a message for: its SID where
 * it lists one with any of the message's texts, else `false` (a message that may have gone in more than one form
 * has more than one). One read of the message list, newest first (20 messages: a person gets a few
 * a survey); its times are whole seconds, so 5 s of margin for those and the clocks. Each message
 * listed stands for one send, so two equal texts need two messages.
 */
export async function listedTexts(client: twilio.Twilio, to: string, texts: ReadonlyArray<readonly string[]>, since: Date): Promise<Array<string | false>> {
  const from = since.getTime() - lookbackMarginMs;
  const sent = (await client.messages.list({ to, pageSize: 20, limit: 20 })).filter((m) => m.dateCreated.getTime() >= from);
  return texts.map((forms) => {
    const at = sent.findIndex((m) => forms.includes(m.body));
    return at >= 0 ? sent.splice(at, 1)[0]!.sid : false;
  });
}
