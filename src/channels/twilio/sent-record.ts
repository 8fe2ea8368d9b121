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
 * A text as it compares with what Twilio lists: a messaging service with Smart Encoding (on by
 * default for new services) sends curly quotes, long dashes, an ellipsis and unusual spaces as their
 * plain GSM-7 look-alikes, and the list may show the text so changed.
 */
function listedForm(text: string): string {
  return text
    .normalize('NFC')
    .replace(/[\u2018\u2019\u201A\u201B\u2032\u2035]/g, "'")
    .replace(/[\u201C\u201D\u201E\u201F\u2033\u2036\u00AB\u00BB]/g, '"')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/\u2026/g, '...')
    .replace(/[\u00A0\u2000-\u200A\u202F\u205F\u3000]/g, ' ')
    .replace(/[\u200B\uFEFF]/g, '');
}

/** Who sends: a number (`+E164`, `whatsapp:+E164`), or a messaging service that picks one from its pool. */
export type ListedSender = { from: string } | { messagingServiceSid: string };

/**
 * Which of these messages, handed to Twilio by `sender` for `to` (as Twilio lists it: `+E164`, or
 * `whatsapp:+E164`) at or after `since` with no answer back, Twilio has a message for: its SID where
 * it lists one with any of the message's texts (as `listedForm` compares them), else `false`. A message that may be listed blank,
 * not found by its text while a blank message is listed, is `null`: it cannot be told now. One read
 * of the message list, newest first (20 messages: a person gets a few a survey); its times are
 * whole seconds, so 5 s of margin for those and the clocks. Each message listed stands for one
 * send, so two equal texts need two messages. Only the sender's own messages count: another
 * business on the same Twilio account may send the same words to the same person (a follow-up
 * question in the default wording). Those sent through the API are the sender's when they are from
 * its number, or (a service, whose numbers are its pool) not from another service; a TwiML reply
 * is from whichever number the person wrote to, so every one counts.
 */
export async function listedTexts(client: twilio.Twilio, sender: ListedSender, to: string, looked: readonly LookedFor[], since: Date): Promise<Array<string | false | null>> {
  const after = since.getTime() - lookbackMarginMs;
  const ours = (m: { direction: string; from: string; messagingServiceSid: string }) =>
    m.direction === 'outbound-reply' || ('from' in sender ? m.from === sender.from : !m.messagingServiceSid || m.messagingServiceSid === sender.messagingServiceSid);
  const listed = await client.messages.list({ to, pageSize: 20, limit: 20 });
  const sent = listed.filter((m) => m.dateCreated.getTime() >= after && ours(m));
  const found = looked.map(({ forms }) => {
    const plain = forms.map(listedForm);
    const at = sent.findIndex((m) => plain.includes(listedForm(m.body)));
    return at >= 0 ? sent.splice(at, 1)[0]!.sid : false;
  });
  return found.map((sid, i) => {
    if (sid || !looked[i]!.blank) return sid;
    const at = sent.findIndex((m) => !m.body);
    if (at < 0) return false;
    sent.splice(at, 1);
    return null;
  });
}
