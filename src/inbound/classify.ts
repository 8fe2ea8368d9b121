import { detectKeyword } from '../dialogs/keywords.js';
import { channelFacts } from '../domain/channel-facts.js';
import type { DialogInput, Keyword } from '../dialogs/types.js';
import type { Inbound } from '../domain/channels.js';
import { parseCommand, type ParseResult } from '../staff/parse-command.js';

/**
 * What one inbound message is, read once from its text alone (no I/O): a deep link, something that
 * reads as a staff command, a keyword (STOP, START, HELP, SKIP), or an answer. Whether a command
 * really is one depends on who sent it, which the pipeline looks up only for these.
 */
export type Classified =
  | { type: 'deep_link'; token: string }
  | { type: 'command'; parsed: Exclude<ParseResult, { type: 'none' }>; slashed: boolean; asCustomer: CustomerMessage }
  | ({ type: 'customer' } & CustomerMessage);

export interface CustomerMessage {
  keyword: Keyword | null;
  /** The message as a dialog input when it is not a keyword: a tapped button or free text. */
  answer?: DialogInput;
  /** Typed with a leading slash ("/start"): a chat command, never an answer. */
  slashed: boolean;
}

export function classify(inbound: Inbound, business: { country: string }): Classified {
  if (inbound.startToken !== undefined) return { type: 'deep_link', token: inbound.startToken };
  const slashed = inbound.text?.trim().startsWith('/') ?? false;
  const asCustomer: CustomerMessage = {
    // The provider's own keyword match counts first (Twilio Advanced Opt-Out, custom words included).
    keyword: inbound.providerKeyword ?? (inbound.text !== undefined ? detectKeyword(inbound.text) : null),
    ...(inbound.choice !== undefined
      ? { answer: { type: 'choice', value: inbound.choice } }
      : inbound.text !== undefined
        ? { answer: { type: 'text', text: inbound.text } }
        : {}),
    slashed,
  };
  // A tapped "/reply …" button comes back as a choice.
  const commandText = inbound.text ?? (inbound.choice?.startsWith('/') ? inbound.choice : undefined);
  if (commandText !== undefined) {
    const parsed = parseCommand(commandText, { slashOptional: channelFacts[inbound.channel].commands.slashOptional, country: business.country });
    if (parsed.type !== 'none') return { type: 'command', parsed, slashed: slashed || commandText.trim().startsWith('/'), asCustomer };
  }
  return { type: 'customer', ...asCustomer };
}
