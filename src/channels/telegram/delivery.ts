import { TelegramError, type Telegram } from 'telegraf';
import type { InlineKeyboardMarkup } from 'telegraf/types';
import type { FastifyBaseLogger } from 'fastify';
import { asBuffer, type Delivery, type Outbound } from '../channel.js';
import { inlineKeyboard } from './keyboard.js';
import type { Pacer } from './pacer.js';

/** Telegram's limit for a photo caption; longer texts go in a message of their own. */
const maxCaption = 1024;

/**
 * Map a failed Bot API call to a Delivery. A provider refusal never throws: the outbox decides
 * from `retryable` and `optedOut`.
 */
export function failedDelivery(err: unknown): Delivery {
  if (err instanceof TelegramError) {
    const error = `${err.code}: ${err.description}`;
    if (err.code === 429) {
      const retryAfter = err.parameters?.retry_after;
      return { status: 'failed', error, retryable: true, ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}) };
    }
    // Blocked, deactivated account, kicked from the group: the chat refuses messages.
    if (err.code === 403) return { status: 'failed', error, optedOut: true };
    return { status: 'failed', error, retryable: err.code >= 500 };
  }
  // Network trouble (refused, reset, timeout): worth another try.
  const code = (err as { code?: unknown } | null)?.code;
  return { status: 'failed', error: typeof code === 'string' ? code : String((err as Error)?.message ?? err), retryable: true };
}

/** Why a 403 ended the conversation, in words for the opt-out record. */
export function optOutReason(error: string | undefined): string {
  if (error && /blocked by the user/i.test(error)) return 'blocked the bot';
  if (error && /deactivated/i.test(error)) return 'account deleted';
  if (error && /kicked/i.test(error)) return 'removed the bot from the chat';
  return 'refused messages';
}

export interface Sender {
  send(to: string, message: Outbound): Promise<Delivery>;
}

/** Paced sends through the Bot API, rendering choices as an inline keyboard and images as photos. */
export function createSender(telegram: Telegram, pacer: Pacer, log: FastifyBaseLogger): Sender {
  const post = async (to: string, message: Outbound, markup: InlineKeyboardMarkup | undefined): Promise<number> => {
    const extra = markup ? { reply_markup: markup } : {};
    if (!message.image) return (await telegram.sendMessage(to, message.text, extra)).message_id;
    const photo = { source: asBuffer(message.image.png), filename: 'chart.png' };
    if (message.text.length <= maxCaption) {
      return (await telegram.sendPhoto(to, photo, { caption: message.text, ...extra })).message_id;
    }
    await telegram.sendPhoto(to, photo, { caption: message.image.alt.slice(0, maxCaption) });
    await pacer.acquire(to);
    return (await telegram.sendMessage(to, message.text, extra)).message_id;
  };

  return {
    async send(to, message) {
      let markup: InlineKeyboardMarkup | undefined;
      try {
        markup = inlineKeyboard(message);
      } catch (err) {
        // A button value too long for callback_data: a bug in the prompts, not worth a retry.
        log.error({ err }, 'telegram message cannot be rendered');
        return { status: 'failed', error: (err as Error).message, retryable: false };
      }
      try {
        await pacer.acquire(to);
      } catch {
        // The shared send slots could not be reached: nothing was sent, the outbox tries again.
        log.warn('no send slot for telegram (database unreachable)');
        return { status: 'failed', error: 'pacing_unavailable', retryable: true };
      }
      try {
        return { status: 'sent', providerMessageId: String(await post(to, message, markup)) };
      } catch (err) {
        const delivery = failedDelivery(err);
        log.warn({ error: delivery.error, retryable: delivery.retryable }, 'telegram send failed');
        if (delivery.retryAfterSeconds !== undefined) pacer.pause(to, delivery.retryAfterSeconds);
        return delivery;
      }
    },
  };
}
