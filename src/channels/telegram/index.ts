import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Telegraf, type Context } from 'telegraf';
import { callbackQuery, message } from 'telegraf/filters';
import type { Update } from 'telegraf/types';
import type { Config } from '../../config.js';
import { ValidationError } from '../../errors.js';
import { waitAtMost } from '../../domain/waiting.js';
import type { FastifyBaseLogger } from 'fastify';
import type { Channel, ChannelDeps, Inbound, InboundResult, Outbound } from '../channel.js';
import { createSender, optOutReason } from './delivery.js';
import { decodeChoice, labelOf } from './keyboard.js';
import type { SlotClaims } from '../shared-send-queue.js';
import { createPacer, defaultBotPerSecond, type PacerOptions } from './pacer.js';
import { telegramReceivers, telegramWebhookPath } from './routes.js';
import { updateProblem, updateSchema } from './update.js';

export { decodeChoice, encodeChoice, inlineKeyboard, rowsOf } from './keyboard.js';
export { createPacer, type Pacer, type PacerOptions } from './pacer.js';
export { telegramRoutes, telegramWebhookPath } from './routes.js';

export type TelegramConfig = NonNullable<Config['telegram']> & {
  /** The deployment's stand-in for the Bot API (TELEGRAM_API_ROOT, tests only); default Telegram's. */
  apiRoot?: string;
  publicUrl: string;
  /** The path the business's routes sit under (`/b/<id>`). */
  basePath?: string;
  /** Register the webhook with Telegram when the channel is made (see `announce`). Default false. */
  setWebhook?: boolean;
};

export interface TelegramChannelOptions {
  pacing?: PacerOptions;
  /** Send slots shared by the deployment's instances (the database); without, the bot's pacing is per process. */
  slots?: SlotClaims;
}

const allowedUpdates = ['message', 'callback_query', 'my_chat_member'] as const;
/** Longest 429 pause a webhook reply waits out before giving up on that reply. */
const maxReplyWaitSeconds = 5;

/** `/start <token>` or `/start@Bot <token>`: a deep link from https://t.me/<bot>?start=<token>. */
function parseStart(text: string): { text: string; startToken?: string } {
  const m = /^\/start(?:@\w+)?(?:\s+(\S+))?\s*$/i.exec(text.trim());
  if (!m) return { text };
  return m[1] ? { text: '/start', startToken: m[1] } : { text: '/start' };
}

/** A business's Telegram bot; with `product` it answers updates (by webhook, or by long polling when `polling`). */
export function createTelegramChannel(
  config: TelegramConfig,
  senderDeps: { log: FastifyBaseLogger; product?: ChannelDeps },
  options: TelegramChannelOptions = {},
): Channel & { announce(): Promise<void> } {
  const log = senderDeps.log.child({ channel: 'telegram' });
  const product = (): ChannelDeps => {
    if (!senderDeps.product) throw new Error('telegram update for a channel that only sends');
    return senderDeps.product;
  };
  const now = () => product().now();
  const bot = new Telegraf(config.token, {
    // webhookReply false: every Bot API call is a request of its own, so errors are seen and handled.
    telegram: { ...(config.apiRoot ? { apiRoot: config.apiRoot } : {}), webhookReply: false },
  });
  // The bot as the instances name it for its shared pacing: a hash, never the token itself.
  const botKey = `telegram:${createHash('sha256').update(`telegram-bot:${config.token}`).digest('hex').slice(0, 24)}`;
  const shared = options.slots ? { shared: { sender: botKey, claims: options.slots } } : {};
  const sender = createSender(bot.telegram, createPacer({ ...options.pacing, ...shared }), log);
  const perSecond = options.pacing?.botPerSecond ?? defaultBotPerSecond;
  const path = telegramWebhookPath(config.webhookSecret);
  let polling = false;
  let closed = false;

  /** Hand one message to the product and send its replies; returns what the product said. */
  const deliver = async (address: string, inbound: Inbound, before?: (result: InboundResult) => Promise<void>): Promise<InboundResult> => {
    const result = await product().handleInbound({ ...inbound, replyReceipts: true });
    await before?.(result);
    let sent = 0;
    for (const reply of result.replies) {
      let delivery = await sender.send(address, reply);
      // A reply has no outbox behind it: wait out one short flood-control pause and try once more.
      if (delivery.retryable && (delivery.retryAfterSeconds ?? 1) <= maxReplyWaitSeconds) delivery = await sender.send(address, reply);
      if (delivery.optedOut) {
        // The person blocked the bot: recorded here, since no outbox item will see this refusal.
        await product()
          .recordOptOut('telegram', address, optOutReason(delivery.error))
          .catch((err: unknown) => log.error({ err }, 'recording a telegram opt-out failed'));
      }
      // Not sent, but may be later (5xx, 429, the network, no send slot): the webhook answers 500, no
      // receipt is recorded, and Telegram's redelivery of the update sends the replies, as Teams' does.
      if (delivery.status === 'failed' && delivery.retryable) throw new Error(`telegram reply not sent yet: ${delivery.error}`);
      if (delivery.status === 'failed') break; // keep the order: never send the rest without the first
      sent++;
    }
    // Delivered, or refused for good: either way a redelivery of this update must not send them again.
    // Stored before the webhook is answered (Telegram waits), unless the database is slow to take it.
    const receipt = result.delivered?.();
    if (receipt) await waitAtMost(receipt, 2_000);
    if (sent < result.replies.length) log.info({ sent, of: result.replies.length }, 'telegram replies not all sent');
    return result;
  };

  /** Show the chosen score under the question and drop its keyboard, so it cannot be answered twice. */
  const markAnswered = async (ctx: Context, data: string, value: string) => {
    const original = ctx.callbackQuery?.message;
    if (!original || !('date' in original) || original.date === 0) return; // too old to edit
    const label = labelOf('reply_markup' in original ? original.reply_markup : undefined, data) ?? value;
    const chatId = original.chat.id;
    try {
      if ('text' in original) {
        await ctx.telegram.editMessageText(chatId, original.message_id, undefined, `${original.text}\n\n✓ ${label}`);
      } else if ('caption' in original && original.caption !== undefined) {
        await ctx.telegram.editMessageCaption(chatId, original.message_id, undefined, `${original.caption}\n\n✓ ${label}`);
      }
    } catch (err) {
      // A replayed tap finds the message already edited ("message is not modified").
      log.info({ err }, 'could not mark the question answered');
    }
  };

  bot.on(message('text'), async (ctx) => {
    const { chat, from, text } = ctx.message;
    if (from.is_bot) return;
    const address = String(chat.id);
    const private_ = chat.type === 'private';
    await deliver(address, {
      channel: 'telegram',
      address,
      providerMessageId: String(ctx.update.update_id),
      // A survey link opens a private chat; in a group the answers would be everyone's to read.
      ...(private_ ? parseStart(text) : { text, group: { sender: String(from.id) } }),
      receivedAt: now(),
      displayName: from.first_name,
    });
  });

  bot.on(callbackQuery('data'), async (ctx) => {
    const query = ctx.callbackQuery;
    const stopSpinner = (notice?: string) => ctx.answerCbQuery(notice).catch((err: unknown) => log.warn({ err }, 'answerCallbackQuery failed'));
    const choice = decodeChoice(query.data);
    if (!choice) return void (await stopSpinner());
    const chat = query.message?.chat;
    const address = String(chat?.id ?? query.from.id);
    try {
      await deliver(
        address,
        {
          channel: 'telegram',
          address,
          providerMessageId: String(ctx.update.update_id),
          choice: choice.value,
          ...(choice.surveyId ? { choiceSurveyId: choice.surveyId } : {}),
          ...(chat && chat.type !== 'private' ? { group: { sender: String(query.from.id) } } : {}),
          receivedAt: now(),
          displayName: query.from.first_name,
        },
        // Before the replies: the tap's own answer, and the question redrawn only when the tap counted.
        async (result) => {
          await stopSpinner(result.tap?.notice);
          if (result.tap?.outcome === 'accepted') await markAnswered(ctx, query.data, choice.value);
        },
      );
    } catch (err) {
      await stopSpinner();
      throw err;
    }
  });

  // Blocking the bot in a private chat: recorded now, so no survey or reminder is tried and failed first.
  // Unblocking records nothing; the person's /start (Telegram's Restart button) opts back in.
  bot.on('my_chat_member', async (ctx) => {
    const { chat, new_chat_member: member } = ctx.myChatMember;
    if (chat.type !== 'private' || member.status !== 'kicked') return;
    await product().recordOptOut('telegram', String(chat.id), 'blocked the bot');
  });

  bot.catch((err, ctx) => {
    if (!polling) throw err; // the webhook answers 500 and Telegram delivers the update again
    log.error({ err, updateId: ctx.update.update_id }, 'telegram update failed');
  });

  const receive = async (request: FastifyRequest, reply: FastifyReply) => {
    const parsed = updateSchema.safeParse(request.body);
    if (!parsed.success) throw new ValidationError(updateProblem(parsed.error));
    if (parsed.data.message || parsed.data.callback_query || parsed.data.my_chat_member) await bot.handleUpdate(request.body as Update);
    return reply.code(200).send();
  };

  /** Tell Telegram where this bot's webhook is (its business's path); a failure is logged, and thrown. */
  const announce = async () => {
    try {
      await bot.telegram.setWebhook(`${config.publicUrl}${config.basePath ?? ''}${path}`, { secret_token: config.webhookSecret, allowed_updates: [...allowedUpdates] });
      log.info('telegram webhook set');
    } catch (err) {
      log.error({ err }, 'setting the telegram webhook failed');
      throw err;
    }
  };

  if (senderDeps.product && config.polling) {
    polling = true;
    // Dev mode: long polling instead of a public webhook. launch() resolves only when polling stops.
    void bot
      .launch({ allowedUpdates: [...allowedUpdates] }, () => {
        if (closed) throw new Error('closed before polling started');
      })
      .catch((err: unknown) => !closed && log.error({ err }, 'telegram long polling stopped'));
  } else if (senderDeps.product && config.setWebhook) {
    void announce().catch(() => undefined);
  }

  const channel = {
    name: 'telegram' as const,
    perSecond,
    announce,

    send: (to: string, outbound: Outbound) => sender.send(to, outbound),

    async deepLink(token: string) {
      // getMe once: the bot's username is Telegram's to tell (it can be renamed in @BotFather).
      bot.botInfo ??= await bot.telegram.getMe();
      return `https://t.me/${bot.botInfo.username}?start=${encodeURIComponent(token)}`;
    },

    close,
  };
  // A bot that polls has no webhook route: its path answers 404.
  if (senderDeps.product && !polling) telegramReceivers.add(channel, { path, webhookSecret: config.webhookSecret, receive });
  return channel;

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    if (!polling) return;
    try {
      bot.stop('close');
    } catch {
      // Not polling yet: the launch callback sees `closed` and gives up.
    }
  }
}
