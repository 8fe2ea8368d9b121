/**
 * The minimal telegraf bot the product's Telegram path is compared with: telegraf's own webhook
 * handling on node:http, one document stored per update with the driver the product uses (the one
 * mongoose bundles), one text answered through the Bot API. Nothing else: no dialog, no logging.
 *   PORT=… MONGODB_URI=mongodb://…/db TELEGRAM_BOT_TOKEN=… TELEGRAM_WEBHOOK_SECRET=… TELEGRAM_API_ROOT=… node --import tsx bench/peers/telegraf-bot.ts
 */
import { createServer } from 'node:http';
import mongoose from 'mongoose';
import { Telegraf } from 'telegraf';
import { telegramWebhookPath } from '../../src/channels/telegram/index.js';

const env = (name: string) => process.env[name] ?? '';
const client = await mongoose.mongo.MongoClient.connect(env('MONGODB_URI'), { maxPoolSize: 20 });
const updates = client.db().collection('peer_telegram_updates');

const bot = new Telegraf(env('TELEGRAM_BOT_TOKEN'), { telegram: { apiRoot: env('TELEGRAM_API_ROOT'), webhookReply: false } });
bot.botInfo = await bot.telegram.getMe();
bot.on('message', async (ctx) => {
  await updates.insertOne({ updateId: ctx.update.update_id, chatId: ctx.chat.id, text: 'text' in ctx.message ? ctx.message.text : null, at: new Date() });
  await ctx.reply('Thanks!');
});

const webhook = bot.webhookCallback(telegramWebhookPath(env('TELEGRAM_WEBHOOK_SECRET')), { secretToken: env('TELEGRAM_WEBHOOK_SECRET') });
createServer((req, res) => {
  if (req.url === '/readyz') return res.end('ok');
  void webhook(req, res);
}).listen(Number(env('PORT')), '127.0.0.1');
