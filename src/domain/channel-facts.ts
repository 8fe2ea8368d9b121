import { normalizePhone } from './phone.js';

/**
 * What each channel can do and how its people are addressed: the one place code outside
 * src/channels/ learns a channel's differences. A new channel is a folder under src/channels/ and a
 * row here; nothing else names it.
 */

/** How a person is named on a channel. */
export type AddressShape =
  /**
   * A phone number: stored in E.164, national numbers read in the business's country. `prefix` is
   * how the provider writes the channel before the number (`whatsapp:+…`), accepted and left off;
   * `bare`: a bare phone number in a command or an import means this channel.
   */
  | { kind: 'phone'; what: string; example: string; prefix?: string; bare: boolean }
  /** An id the provider gives, stored as given when it has this shape. */
  | { kind: 'id'; pattern: RegExp; what: string; example: string };

export interface ChannelFacts {
  /** How people call the channel in a sentence. */
  label: string;
  address: AddressShape;
  /** The most choices one message carries as buttons; 0: none, the text says what to type. */
  buttons: number;
  /** The most rows of a native pick-one list (more options than buttons fit); 0: no lists. */
  listRows: number;
  /** A message can carry a picture (the digest's trend chart). */
  pictures: boolean;
  /** The longest text one message may carry, in characters (the provider refuses longer ones). */
  maxTextLength: number;
  /** Commands and keywords arrive as typed text; where people do not type a slash it may be left out. */
  commands: { slashOptional: boolean };
  /** The weekly digest: the full text, or a short text where each character costs (two SMS segments). */
  digest: 'full' | 'short';
  /** A link can open a chat with the bot carrying a token (`https://t.me/<bot>?start=<token>`). */
  deepLinks: boolean;
  /** Our own database holds the chat (a transcript per address), and message ids start with the address. */
  transcript: boolean;
  /** The adapter keeps a conversation reference per address, to write first later. */
  conversationReferences: boolean;
  /**
   * Its people are known by no address the business gave (web chat visitors): an imported answer
   * that names neither a channel nor a phone number is filed here.
   */
  anonymous: boolean;
}

const rows = {
  sms: {
    label: 'SMS',
    address: { kind: 'phone', what: 'a phone number', example: '+14155552671', bare: true },
    buttons: 0,
    listRows: 0,
    pictures: false,
    // Twilio refuses a longer body (error 21617); the carrier splits it into segments.
    maxTextLength: 1_600,
    commands: { slashOptional: true },
    digest: 'short',
    deepLinks: false,
    transcript: false,
    conversationReferences: false,
    anonymous: false,
  },
  telegram: {
    label: 'Telegram',
    address: { kind: 'id', pattern: /^-?\d{1,20}$/, what: 'a Telegram chat id (digits, as the bot sees the chat)', example: '12345' },
    // The Bot API's limit on the buttons of one inline keyboard.
    buttons: 100,
    listRows: 0,
    pictures: true,
    maxTextLength: 4_096,
    commands: { slashOptional: false },
    digest: 'full',
    deepLinks: true,
    transcript: false,
    conversationReferences: false,
    anonymous: false,
  },
  teams: {
    label: 'Teams',
    address: { kind: 'id', pattern: /^[A-Za-z0-9:._@-]{1,200}$/, what: "a Teams user's Entra object id or account id", example: '29:1a2b3c' },
    // The widest question card drawn and tested (an NPS question's 0-10).
    buttons: 11,
    listRows: 0,
    pictures: true,
    // Teams refuses a message over about 28 KB.
    maxTextLength: 28_000,
    // People type commands in Teams as plain words ("help"); the slash is optional.
    commands: { slashOptional: true },
    digest: 'full',
    deepLinks: false,
    transcript: false,
    conversationReferences: true,
    anonymous: false,
  },
  web: {
    label: 'web chat',
    address: { kind: 'id', pattern: /^v_[A-Za-z0-9_-]{1,64}$/, what: 'a web chat visitor id (v_…)', example: 'v_0123456789abcdef' },
    // The widest row of buttons the chat page lays out and is tested with (an NPS question's 0-10).
    buttons: 11,
    listRows: 0,
    pictures: false,
    // The chat page's own bound, the same as on a visitor's message.
    maxTextLength: 20_000,
    commands: { slashOptional: false },
    digest: 'full',
    deepLinks: false,
    transcript: true,
    conversationReferences: false,
    anonymous: true,
  },
  whatsapp: {
    label: 'WhatsApp',
    // Twilio writes `whatsapp:+14155552671`; the number alone is stored (its own customer, beside the SMS one).
    address: { kind: 'phone', what: 'a WhatsApp phone number', example: '+14155552671', prefix: 'whatsapp:', bare: false },
    // Quick replies: at most three buttons (a question with more is a list, or typed).
    buttons: 3,
    // A list picker holds at most ten rows: CSAT's 5 and CES's 7 fit, NPS's 11 do not (typed).
    listRows: 10,
    // A picture goes as a media URL Twilio fetches (served at /media/<token>.png until it expires),
    // inside the 24-hour window only: a template outside it carries the text alone.
    pictures: true,
    // WhatsApp's limit on a text message's body.
    maxTextLength: 4_096,
    // People type commands as plain words; the slash is optional.
    commands: { slashOptional: true },
    digest: 'full',
    deepLinks: false,
    transcript: false,
    conversationReferences: false,
    anonymous: false,
  },
} satisfies Record<string, ChannelFacts>;

/** The chat channels a survey can run on, one per row. */
export type ChannelName = keyof typeof rows;
export const channelFacts: Readonly<Record<ChannelName, ChannelFacts>> = rows;
export const channelNames = Object.keys(rows) as [ChannelName, ...ChannelName[]];

/** The channels with this fact, in `channelNames` order. */
export const channelsWhere = (has: (facts: ChannelFacts) => boolean): ChannelName[] => channelNames.filter((name) => has(channelFacts[name]));

/** The one channel whose addresses are phone numbers (a bare phone number in a command or an import means it). */
export const phoneChannel: ChannelName = exactlyOne(channelsWhere((f) => f.address.kind === 'phone' && f.address.bare), 'bare phone numbers as addresses');

/** The channel whose people are anonymous (an imported answer with neither channel nor phone). */
export const anonymousChannel: ChannelName = exactlyOne(channelsWhere((f) => f.anonymous), 'anonymous people');

/** The channels whose links can open a chat carrying a token (at least one). */
export const deepLinkChannels = channelsWhere((f) => f.deepLinks) as [ChannelName, ...ChannelName[]];

function exactlyOne(names: ChannelName[], what: string): ChannelName {
  if (names.length !== 1) throw new Error(`channel facts: exactly one channel must have ${what}, not ${names.length}`);
  return names[0]!;
}

/**
 * A channel address as stored, or why it is not one: phone numbers in E.164 (the business's
 * country for national ones), provider ids checked against their shape as given.
 */
export function channelAddress(channel: ChannelName, raw: string, country: string): { address: string } | { problem: string } {
  const trimmed = raw.trim();
  const shape = channelFacts[channel].address;
  if (shape.kind === 'phone') {
    const number = shape.prefix && trimmed.toLowerCase().startsWith(shape.prefix) ? trimmed.slice(shape.prefix.length) : trimmed;
    const phone = normalizePhone(number, country);
    return phone ? { address: phone } : { problem: `"${number.slice(0, 40)}" is not a valid phone number; use international format such as ${shape.example}` };
  }
  return shape.pattern.test(trimmed) ? { address: trimmed } : { problem: `address: not ${shape.what}` };
}

/** `channel:address` as a person would write it for this channel, for examples in messages. */
export const exampleAddress = (channel: ChannelName): string => `${channel}:${channelFacts[channel].address.example}`;
