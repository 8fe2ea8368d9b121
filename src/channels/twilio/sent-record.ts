import type twilio from 'twilio';

/** How far before a send's recorded time a message Twilio lists may have been created and still be that send. */
const lookbackMarginMs = 5_000;

/**
 * Which of these texts, handed to Twilio for `to` (as Twilio lists it: `+E164`, or `whatsapp:+E164`)
 * at or after `since` with no answer back, Twilio has a message for: `true` where it has one.
 * One read of the message list, newest first (20 messages: a person gets a few a survey); its times
 * are whole seconds, so 5 s of margin for those and the clocks. Each message listed stands for one
 * text, so two equal texts need two messages.
 */
export async function listedTexts(client: twilio.Twilio, to: string, texts: readonly string[], since: Date): Promise<boolean[]> {
  const from = since.getTime() - lookbackMarginMs;
  const sent = (await client.messages.list({ to, pageSize: 20, limit: 20 })).filter((m) => m.dateCreated.getTime() >= from).map((m) => m.body);
  return texts.map((text) => {
    const at = sent.indexOf(text);
    if (at >= 0) sent.splice(at, 1);
    return at >= 0;
  });
}
