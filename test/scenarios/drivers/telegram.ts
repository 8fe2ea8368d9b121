import { randomInt } from 'node:crypto';
import type { Message } from 'telegraf/types';
import { decodeChoice } from '../../../src/channels/telegram/keyboard.js';
import type { ChannelDriver, SentMessage } from '../driver.js';
import { placeBusiness } from '../business-place.js';
import { callbackUpdate, nextUpdateId, postUpdate, startFakeTelegram, textUpdate } from '../../helpers/fake-telegram.js';

const token = '987654321:AAF-scenario-token-for-the-fake-bot';
const webhookSecret = 'scenario-webhook-secret-42';

type Keyboard = { inline_keyboard: Array<Array<{ text: string; callback_data?: string }>> };
const buttonsOf = (m: Message) => ((m as { reply_markup?: Keyboard }).reply_markup?.inline_keyboard ?? []).flat();
const textOf = (m: Message) => ('text' in m ? m.text : 'caption' in m ? (m.caption ?? '') : '');

/** Telegram: updates posted to the real webhook with the secret header; replies read from the fake Bot API. */
export const telegramDriver: ChannelDriver = {
  name: 'telegram',
  async setup(clock, place) {
    const fake = await startFakeTelegram({ token });
    const { server, businessId, basePath } = await placeBusiness(
      place,
      clock,
      { TELEGRAM_API_ROOT: fake.url, PUBLIC_URL: 'https://bot.example.com', WEB_CHAT_ENABLED: 'false', SWEEP_INTERVAL: '0' },
      { env: { TELEGRAM_BOT_TOKEN: token, TELEGRAM_WEBHOOK_SECRET: webhookSecret }, channels: { telegram: { token, webhookSecret } } },
    );
    // The same scenario message id is the same update_id, so a replay is a real redelivery.
    const updateIds = new Map<string, number>();

    return {
      server,
      businessId,
      async newCustomer() {
        return String(randomInt(100_000_000, 2_000_000_000));
      },
      async deliver(address, { id, text, choice }) {
        const person = { chatId: Number(address), firstName: 'Ada' };
        const key = `${address}:${id}`;
        const updateId = updateIds.get(key) ?? nextUpdateId();
        updateIds.set(key, updateId);
        let update;
        if (choice !== undefined) {
          // Tap the button with this value on the latest message that offers it, as a customer would.
          const question = fake.sent(address).findLast((m) => buttonsOf(m).some((b) => b.callback_data && decodeChoice(b.callback_data)?.value === choice));
          if (!question) throw new Error(`no message to ${address} offers a button "${choice}"`);
          const data = buttonsOf(question).find((b) => b.callback_data && decodeChoice(b.callback_data)?.value === choice)!.callback_data!;
          update = callbackUpdate(person, question, data, updateId);
        } else {
          update = textUpdate(person, text ?? '', updateId);
        }
        const res = await postUpdate(server.app, webhookSecret, update, undefined, basePath);
        if (res.statusCode !== 200) throw new Error(`telegram webhook answered ${res.statusCode}: ${res.body}`);
      },
      async sent(address): Promise<SentMessage[]> {
        await server.app.alerts.drain(); // owner alerts go out after the customer's reply, not inside it
        return fake.sent(address).map((m) => {
          const values = buttonsOf(m).flatMap((b) => (b.callback_data ? [decodeChoice(b.callback_data)?.value ?? ''] : []));
          return { text: textOf(m), ...(values.length ? { choices: values } : {}) };
        });
      },
      async close() {
        await server.close();
        await fake.close();
      },
    };
  },
};
