import { describe, expect, it } from 'vitest';
import { telegramWebhookPath } from '../../../src/channels/telegram/index.js';
import { textUpdate } from '../../helpers/fake-telegram.js';
import { adapterHarness, webhookSecret } from './setup.js';

describe('telegram webhook registration', () => {
  it('sets the webhook with the secret token once the server listens', async () => {
    const h = await adapterHarness({ setWebhook: true });
    try {
      expect(h.fake.calls).toEqual([]);
      await h.app.listen({ port: 0, host: '127.0.0.1' });
      const call = await h.fake.waitFor('setWebhook');
      expect(call.payload).toMatchObject({
        url: `https://bot.example.com${telegramWebhookPath(webhookSecret)}`,
        secret_token: webhookSecret,
        allowed_updates: ['message', 'callback_query', 'my_chat_member'],
      });
    } finally {
      await h.close();
    }
  });

  it('keeps starting when Telegram refuses the webhook', async () => {
    const h = await adapterHarness({ setWebhook: true });
    try {
      h.fake.failNext({ status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: bad webhook: HTTPS url must be provided for webhook' } });
      await h.app.listen({ port: 0, host: '127.0.0.1' });
      await h.fake.waitFor('setWebhook');
      expect((await h.app.inject('/nothing-here')).statusCode).toBe(404);
    } finally {
      await h.close();
    }
  });

  it('does not set the webhook when told not to (tests)', async () => {
    const h = await adapterHarness({ setWebhook: false });
    try {
      await h.app.listen({ port: 0, host: '127.0.0.1' });
      await new Promise((r) => setTimeout(r, 50));
      expect(h.fake.calls).toEqual([]);
    } finally {
      await h.close();
    }
  });
});

describe('telegram long polling (dev mode)', () => {
  it('receives updates through getUpdates, has no webhook route, and stops on close', async () => {
    const h = await adapterHarness({ polling: true });
    try {
      const res = await h.app.inject({ method: 'POST', url: telegramWebhookPath(webhookSecret), payload: {} });
      expect(res.statusCode).toBe(404);
      h.fake.queueUpdate(textUpdate({ chatId: 4242424242 }, 'hello'));
      for (let i = 0; i < 100 && h.memory.inbound.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(h.memory.inbound).toEqual([expect.objectContaining({ address: '4242424242', text: 'hello' })]);
      expect(h.fake.calls.map((c) => c.method)).toContain('deleteWebhook');
    } finally {
      await h.close();
    }
    const polls = h.fake.calls.filter((c) => c.method === 'getUpdates').length;
    await new Promise((r) => setTimeout(r, 250));
    expect(h.fake.calls.filter((c) => c.method === 'getUpdates').length).toBeLessThanOrEqual(polls + 1);
  });
});
