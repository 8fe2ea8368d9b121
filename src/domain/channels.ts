/** What passes between a channel adapter and the product: channel names, messages in and out, deliveries. */

import { channelFacts, type ChannelName } from './channel-facts.js';
import type { Locale, SurveyKind } from './surveys.js';

/** The chat channels a survey can run on: the rows of the channel facts. */
export { channelNames, type ChannelName } from './channel-facts.js';

/** A button the customer can tap instead of typing; `value` is what comes back as `Inbound.choice`. */
export interface Choice {
  label: string;
  value: string;
}

/** Labels of a comment box, in the customer's language. */
export interface CommentBox {
  placeholder: string;
  send: string;
  skip: string;
}

/**
 * What a message that starts a conversation is, for channels that must send such a message as a
 * template the provider approved (WhatsApp outside its 24-hour window): which template, in which
 * language, and the values its variables may take (the survey's placeholders, or an owner notice's text).
 */
export interface TemplateUse {
  purpose: 'invitation' | 'reminder' | 'owner';
  kind?: SurveyKind;
  locale: Locale;
  values: Record<string, string>;
}

/** What the bot says, channel-neutral. Each adapter renders it natively (keyboard, card, plain text). */
export interface Outbound {
  text: string;
  choices?: Choice[];
  /**
   * The choices are words, not a scale the text already names: a channel without buttons lists them,
   * numbered, under the text (the customer replies with the number or the word).
   */
  numbered?: boolean;
  /**
   * The question wants free text (the comment): channels with forms (Teams cards) show a text box and
   * Send/Skip buttons with these labels; the others send the text, which says how to skip.
   */
  comment?: CommentBox;
  /** A PNG picture (digest chart); channels without pictures send the text only. */
  image?: { png: Buffer; alt: string };
  /** Text direction of `text`, for channels that can set it (web). */
  dir?: 'ltr' | 'rtl';
  /** The survey this message belongs to, so a channel can tie a button tap back to it. */
  surveyId?: string;
  /** It may start a conversation: where the provider asks for an approved template then, which one. */
  template?: TemplateUse;
}

/** One message from a person, already verified and mapped by the adapter. */
export interface Inbound {
  channel: ChannelName;
  /** Channel address of the sender: E.164 phone, Telegram chat id, Teams user key, web visitor id. */
  address: string;
  /** The provider's id for this message; the de-duplication key together with `channel`. */
  providerMessageId: string;
  text?: string;
  /** The `value` of a tapped button. */
  choice?: string;
  /** The survey the tapped button belongs to, when the button says (Telegram keyboards, Teams cards). */
  choiceSurveyId?: string;
  /**
   * Sent in a group chat or a channel, where surveys never run: `address` is the group, `sender` the
   * person's own address on this channel (a staff member's commands still count).
   */
  group?: { sender: string };
  receivedAt: Date;
  /** Name the provider tells us, when it does (Telegram first name, Teams user name). */
  displayName?: string;
  /**
   * The payload of a deep link (`https://t.me/<bot>?start=<token>` arrives as `/start <token>`): names
   * the business and optionally an invitation. `text` is then the bare keyword `/start`.
   */
  startToken?: string;
  /**
   * The provider already matched an opt-out or opt-in keyword (Twilio Advanced Opt-Out, custom words
   * included) and stopped or resumed sending to this address.
   */
  providerKeyword?: 'stop' | 'start';
  /**
   * The adapter confirms when its replies reached the provider (`InboundResult.delivered`). A
   * redelivery of a message whose replies were never confirmed (the server died before answering
   * the webhook) gets them again.
   */
  replyReceipts?: boolean;
}

/** What handling one inbound message produced. */
export interface InboundResult {
  /**
   * True when this provider message id was seen before: nothing was stored. Its replies are empty,
   * unless they were never confirmed delivered: then they are here again, to be sent once more.
   */
  duplicate: boolean;
  /** Replies to the sender, in order. The adapter delivers them (TwiML, sendMessage, sendActivity). */
  replies: Outbound[];
  /** Call once the replies reached the provider (for `Inbound.replyReceipts`). */
  delivered?: () => Promise<void>;
  /**
   * On a duplicate whose replies are here again: they were first handed to the adapter at or after
   * this time. An adapter that can ask its provider what it sent since (WhatsApp) sends only those
   * missing, so a kill between its send and the receipt sends nothing twice.
   */
  repliedSince?: Date;
  /**
   * For a tapped button: whether it counted. A tap on a question already answered, of a survey that
   * ended, or with a value that is not a choice changes nothing and sends nothing; `notice` says why
   * in the customer's language (Telegram shows it as the tap's toast).
   */
  tap?: { outcome: 'accepted' | 'answered' | 'ended' | 'invalid'; notice?: string };
}

/** Result of one send. */
export interface Delivery {
  providerMessageId?: string;
  status: 'sent' | 'failed';
  /** Provider error code or reason when failed. */
  error?: string;
  /** True when the failure means the person refused messages (Twilio 21610, Telegram 403 blocked). */
  optedOut?: boolean;
  /** True when the failure is worth retrying later (429, 5xx, network). */
  retryable?: boolean;
  /** Seconds the provider asked us to wait (Telegram retry_after, Retry-After header). */
  retryAfterSeconds?: number;
  /**
   * True when the message may have reached the provider though no answer says so (a 5xx, the
   * network): before it goes again, a sender's record of what it sent is asked (`sentSince`).
   */
  unanswered?: boolean;
}

/** A delivery status report from the provider (Twilio status callback). */
export interface DeliveryUpdate {
  channel: ChannelName;
  providerMessageId: string;
  status: 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'read';
  errorCode?: string;
}

/**
 * The sending side of a channel: what features (the outbox, staff commands) need to reach a person.
 * Adapters implement it as part of `Channel` (src/channels/channel.ts), which adds their routes.
 */
export interface ChannelSender {
  readonly name: ChannelName;
  /**
   * Sending is a write to our own database (the web chat's transcript), which does not fail for a
   * while the way a provider does: it needs no outbox record before it goes.
   */
  readonly local?: boolean;
  /**
   * Messages a second this sender is paced to, when the product paces it (a Twilio number, a
   * Telegram bot): the outbox keeps enough of a campaign's sends under way to keep up with it.
   */
  readonly perSecond?: number;
  /** Send one message to an address on this channel, rendering choices natively. */
  send(to: string, message: Outbound): Promise<Delivery>;
  /**
   * Whether each of these messages to `to`, handed to the provider at or after `since` with no answer
   * back (the answer lost, the server gone), reached it: the provider's message id where its record
   * shows it, `false` where it shows none, `null` where it cannot tell now (a WhatsApp message that
   * may have gone as its template, whose content could not be fetched, or one Twilio may list with
   * an empty body); it
   * throws when the record itself cannot be read. Only a sender whose provider lists what it sent has
   * it (Twilio's message list).
   */
  sentSince?(to: string, messages: readonly Outbound[], since: Date): Promise<Array<string | false | null>>;
  /** The link that opens a chat with the bot carrying `token` (Telegram `https://t.me/<bot>?start=<token>`). */
  deepLink?(token: string): Promise<string>;
  /** Release what the adapter holds (timers, sockets). */
  close?(): Promise<void>;
}

/**
 * How many sends of one business's channel may be under way at once in an instance: at least 8, and
 * for a sender paced to `perSecond`, half a second of its sends. Each send is under way from its
 * take to its finish: two database reads, its slot's wait, the provider's answer and a write. Eight
 * cannot keep a 100/s number busy once those take more than 80 ms; a quarter second's kept it busy
 * only while the database answered quickly (figure 4b: 94 % of the limit, the seconds of an upload
 * beside the sends at 61–96 a second). The slots the waiting sends hold are bounded by time instead
 * (`horizonMs` in `shared-send-queue.ts`): the sends beyond it wait without holding any.
 */
export function sendsUnderWay(perSecond: number | undefined): number {
  return Math.max(8, Math.ceil((perSecond ?? 0) * 0.5));
}

/** Widest row of buttons drawn (Telegram's keyboard): 8 still fit a phone screen; NPS 0-10 becomes 0-5 / 6-10. */
const maxRowWidth = 8;

/** Split choices into rows of equal-ish width: 5 and 7 stay one row, 11 become 6 + 5. */
export function rowsOf(choices: readonly Choice[]): Choice[][] {
  if (choices.length === 0) return [];
  const rowCount = Math.ceil(choices.length / maxRowWidth);
  const width = Math.ceil(choices.length / rowCount);
  const rows: Choice[][] = [];
  for (let i = 0; i < choices.length; i += width) rows.push(choices.slice(i, i + width));
  return rows;
}

/** A message with buttons as a channel shows it: whole, or its text alone on a channel without buttons (the text says what to type). */
export function withButtonsOn(channel: ChannelName, message: Outbound): Outbound {
  if (channelFacts[channel].buttons > 0) return message;
  const { choices: _choices, numbered: _numbered, ...rest } = message;
  return { ...rest, text: message.numbered && message.choices?.length ? numberedText(message.text, message.choices) : message.text };
}

/** The text with its choices listed under it, numbered from 1: how a channel without buttons asks a pick-one question. */
export const numberedText = (text: string, choices: readonly Choice[]): string => [text, ...choices.map((c, i) => `${i + 1}. ${c.label}`)].join('\n');
