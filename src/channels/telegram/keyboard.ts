import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'telegraf/types';
import { channelFacts } from '../../domain/channel-facts.js';
import { rowsOf } from '../../domain/channels.js';
import type { Outbound } from '../channel.js';

export { rowsOf };

/** Telegram refuses callback_data longer than 64 bytes. */
export const maxCallbackDataBytes = 64;

/** `s:<surveyId or ->:<value>`; the survey id is dropped when it would not fit. */
export function encodeChoice(surveyId: string | undefined, value: string): string {
  const full = `s:${surveyId ?? '-'}:${value}`;
  if (Buffer.byteLength(full) <= maxCallbackDataBytes) return full;
  const short = `s:-:${value}`;
  if (Buffer.byteLength(short) <= maxCallbackDataBytes) return short;
  throw new RangeError(`choice value is longer than Telegram allows in a button (${Buffer.byteLength(value)} bytes)`);
}

/** The survey id and value of a tapped button, or null when the data is not ours. */
export function decodeChoice(data: string): { surveyId?: string; value: string } | null {
  const m = /^s:([^:]+):(.+)$/s.exec(data);
  if (!m) return null;
  const [, surveyId, value] = m as unknown as [string, string, string];
  return surveyId === '-' ? { value } : { surveyId, value };
}

/** The inline keyboard for a message's choices, or undefined when it has none. */
export function inlineKeyboard(message: Outbound): InlineKeyboardMarkup | undefined {
  if (!message.choices?.length) return undefined;
  const { buttons } = channelFacts.telegram;
  if (message.choices.length > buttons) throw new RangeError(`${message.choices.length} choices: a Telegram keyboard holds at most ${buttons} buttons`);
  return {
    inline_keyboard: rowsOf(message.choices).map((row) =>
      row.map((c): InlineKeyboardButton => ({ text: c.label, callback_data: encodeChoice(message.surveyId, c.value) })),
    ),
  };
}

/** The label of the button whose callback_data is `data`, looked up in the keyboard Telegram sent back. */
export function labelOf(markup: InlineKeyboardMarkup | undefined, data: string): string | undefined {
  for (const row of markup?.inline_keyboard ?? []) {
    for (const button of row) if ('callback_data' in button && button.callback_data === data) return button.text;
  }
  return undefined;
}
