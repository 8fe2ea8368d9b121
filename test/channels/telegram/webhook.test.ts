import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { telegramWebhookPath } from '../../../src/channels/telegram/index.js';
import { blockUpdate, buttonData, callbackUpdate, postUpdate, textUpdate } from '../../helpers/fake-telegram.js';
import { adapterHarness, webhookSecret, type AdapterHarness } from './setup.js';

const ada = { chatId: 5_551_234_567, firstName: 'Ada' };
let h: AdapterHarness;

beforeEach(async () => {
  h = await adapterHarness();
});
afterEach(async () => {
  await h.close();
});

describe('telegram webhook: who may post', () => {
  it('refuses a missing secret header with 403 and processes nothing', async () => {
    const res = await postUpdate(h.app, webhookSecret, textUpdate(ada, '9'), {});
    expect(res.statusCode).toBe(403);
    expect(h.memory.inbound).toEqual([]);
    expect(h.fake.calls).toEqual([]);
  });

  it('refuses a wrong secret header with 403 and processes nothing', async () => {
    const res = await postUpdate(h.app, webhookSecret, textUpdate(ada, '9'), { 'x-telegram-bot-api-secret-token': 'webhook-secret-0123456788' });
    expect(res.statusCode).toBe(403);
    expect(h.memory.inbound).toEqual([]);
    expect(h.fake.calls).toEqual([]);
  });

  it('answers 404 on a wrong secret path, even with the right header', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/webhooks/telegram/0123456789abcdef0123456789abcdef',
      headers: { 'x-telegram-bot-api-secret-token': webhookSecret },
      payload: textUpdate(ada, '9'),
    });
    expect(res.statusCode).toBe(404);
    expect(h.memory.inbound).toEqual([]);
  });

  it('derives the path from the webhook secret, not from the bot token', () => {
    const path = telegramWebhookPath(webhookSecret);
    expect(path).toMatch(/^\/webhooks\/telegram\/[0-9a-f]{32}$/);
    expect(path).not.toContain(webhookSecret);
    expect(telegramWebhookPath('another-secret-0123456789')).not.toBe(path);
  });
});

describe('telegram webhook: what it accepts', () => {
  it('answers 400 with a reason for a body that is not JSON', async () => {
    const res = await postUpdate(h.app, webhookSecret, '{"update_id": 1, "message": ');
    expect(res.statusCode).toBe(400);
    expect(h.memory.inbound).toEqual([]);
  });

  it('answers 400 naming the bad field for JSON that is not an update', async () => {
    const res = await postUpdate(h.app, webhookSecret, { message: { text: 'hi' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/update_id/);
    const bad = textUpdate(ada, '9') as { message: { chat: unknown } };
    bad.message.chat = { id: 'five', type: 'private' };
    const res2 = await postUpdate(h.app, webhookSecret, bad);
    expect(res2.statusCode).toBe(400);
    expect(res2.json().message).toMatch(/message\.chat\.id/);
    expect(h.memory.inbound).toEqual([]);
  });

  it('acknowledges other update kinds with 200 and ignores them', async () => {
    const edited = { update_id: 77, edited_message: (textUpdate(ada, '8') as { message: object }).message };
    const res = await postUpdate(h.app, webhookSecret, edited);
    expect(res.statusCode).toBe(200);
    expect(h.memory.inbound).toEqual([]);
    expect(h.fake.calls).toEqual([]);
  });

  it('answers 500 when the survey service fails, so Telegram delivers the update again', async () => {
    h.memory.failInbound(new Error('database down'));
    const res = await postUpdate(h.app, webhookSecret, textUpdate(ada, '9'));
    expect(res.statusCode).toBe(500);
  });
});

describe('telegram webhook: messages', () => {
  it('hands a text message to the survey service and sends the replies', async () => {
    const update = textUpdate(ada, 'hello');
    const res = await postUpdate(h.app, webhookSecret, update);
    expect(res.statusCode).toBe(200);
    expect(h.memory.inbound).toEqual([
      expect.objectContaining({
        channel: 'telegram',
        address: String(ada.chatId),
        providerMessageId: String(update.update_id),
        text: 'hello',
        displayName: 'Ada',
        receivedAt: expect.any(Date),
      }),
    ]);
    expect(h.fake.sent(ada.chatId).map((m) => 'text' in m && m.text)).toEqual([expect.stringMatching(/Reply HELP|STOP|help/i)]);
  });

  it('passes /stop and /help through as text for the dialog keywords', async () => {
    await postUpdate(h.app, webhookSecret, textUpdate(ada, '/stop'));
    await postUpdate(h.app, webhookSecret, textUpdate(ada, '/help@survey_test_bot'));
    expect(h.memory.inbound.map((i) => i.text)).toEqual(['/stop', '/help@survey_test_bot']);
  });

  it('records an opt-out when the person blocks the bot, and nothing on unblock or in a group', async () => {
    expect((await postUpdate(h.app, webhookSecret, blockUpdate(ada, 'kicked'))).statusCode).toBe(200);
    await postUpdate(h.app, webhookSecret, blockUpdate(ada, 'member'));
    await postUpdate(h.app, webhookSecret, blockUpdate(ada, 'kicked', 'group'));
    expect(h.memory.optOuts).toEqual([{ channel: 'telegram', address: String(ada.chatId), reason: 'blocked the bot' }]);
    expect(h.memory.inbound).toEqual([]);
    expect(h.fake.calls.filter((c) => c.method !== 'getMe')).toEqual([]); // nothing said to them
  });

  it('answers 400 for a membership update without its members', async () => {
    const bad = blockUpdate(ada, 'kicked') as unknown as { my_chat_member: Record<string, unknown> };
    delete bad.my_chat_member.new_chat_member;
    const res = await postUpdate(h.app, webhookSecret, bad);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/my_chat_member\.new_chat_member/);
    expect(h.memory.optOuts).toEqual([]);
  });

  it('puts a deep-link token on the Inbound and sends /start as the text', async () => {
    await postUpdate(h.app, webhookSecret, textUpdate(ada, '/start biz_acme-inv_65f0c0ffee'));
    await postUpdate(h.app, webhookSecret, textUpdate(ada, '/start'));
    expect(h.memory.inbound.map(({ text, startToken }) => ({ text, startToken }))).toEqual([
      { text: '/start', startToken: 'biz_acme-inv_65f0c0ffee' },
      { text: '/start', startToken: undefined },
    ]);
  });

  it('takes no deep-link token from a group chat', async () => {
    const update = textUpdate(ada, '/start default') as { message: { chat: object } };
    update.message.chat = { id: -1001234567890, title: 'Regulars', type: 'supergroup' };
    await postUpdate(h.app, webhookSecret, update);
    expect(h.memory.inbound.map(({ text, startToken }) => ({ text, startToken }))).toEqual([{ text: '/start default', startToken: undefined }]);
  });

  it('sends nothing new for a replayed update_id', async () => {
    const address = String(ada.chatId);
    await h.channel.send(address, h.memory.invite(address, 'nps'));
    const update = textUpdate(ada, '9');
    await postUpdate(h.app, webhookSecret, update);
    const before = h.fake.sent(ada.chatId).length;
    expect(before).toBe(2);
    const replay = await postUpdate(h.app, webhookSecret, update);
    expect(replay.statusCode).toBe(200);
    expect(h.fake.sent(ada.chatId)).toHaveLength(before);
    expect(h.memory.session(address)?.state).toBe('awaiting_comment');
  });

  it('waits out a short 429 once for a reply, so the answer is not lost', async () => {
    const waits: number[] = [];
    await h.close();
    h = await adapterHarness({}, { pacing: { sleep: async (ms) => void waits.push(ms) } });
    h.fake.failNext('429', 'sendMessage');
    await postUpdate(h.app, webhookSecret, textUpdate(ada, 'hello'));
    expect(h.fake.calls.filter((c) => c.method === 'sendMessage')).toHaveLength(2);
    expect(h.fake.sent(ada.chatId)).toHaveLength(1);
    expect(waits.some((ms) => ms >= 2_900)).toBe(true);
  });

  it('moves the dialog on with typed answers', async () => {
    const address = String(ada.chatId);
    await h.channel.send(address, h.memory.invite(address, 'csat'));
    await postUpdate(h.app, webhookSecret, textUpdate(ada, '4/5'));
    await postUpdate(h.app, webhookSecret, textUpdate(ada, 'Quick delivery'));
    expect(h.memory.session(address)).toMatchObject({ state: 'completed', score: 4, comment: 'Quick delivery' });
    expect(h.fake.sent(ada.chatId)).toHaveLength(3);
  });
});

describe('telegram webhook: button taps', () => {
  it('answers the callback query, marks the question answered and moves the dialog on', async () => {
    const address = String(ada.chatId);
    const delivery = await h.channel.send(address, h.memory.invite(address, 'nps'));
    const [question] = h.fake.sent(ada.chatId);
    expect(delivery).toEqual({ status: 'sent', providerMessageId: String(question!.message_id) });

    const tap = callbackUpdate(ada, question!, buttonData(question!, '9'));
    const res = await postUpdate(h.app, webhookSecret, tap);
    expect(res.statusCode).toBe(200);

    const answered = h.fake.calls.find((c) => c.method === 'answerCallbackQuery');
    expect(answered?.payload.callback_query_id).toBe((tap as { callback_query: { id: string } }).callback_query.id);
    const edit = h.fake.calls.find((c) => c.method === 'editMessageText');
    expect(edit?.payload).toMatchObject({ chat_id: ada.chatId, message_id: question!.message_id });
    expect(edit?.payload.text).toBe(`${'text' in question! ? question.text : ''}\n\n✓ 9`);
    expect(edit?.payload.reply_markup).toBeUndefined();

    expect(h.memory.inbound.at(-1)).toMatchObject({ providerMessageId: String(tap.update_id), choice: '9', address });
    expect(h.memory.session(address)).toMatchObject({ state: 'awaiting_comment', score: 9 });
    const followUp = h.fake.sent(ada.chatId)[1];
    expect(followUp && 'text' in followUp && followUp.text).toMatch(/SKIP/);
  });

  it('stops the spinner and does nothing else for a button that is not ours', async () => {
    const address = String(ada.chatId);
    await h.channel.send(address, h.memory.invite(address, 'ces'));
    const [question] = h.fake.sent(ada.chatId);
    await postUpdate(h.app, webhookSecret, callbackUpdate(ada, question!, 'like'));
    expect(h.fake.calls.map((c) => c.method)).toEqual(['sendMessage', 'getMe', 'answerCallbackQuery']);
    expect(h.memory.inbound).toEqual([]);
  });

  it('does not move the dialog again for a replayed tap', async () => {
    const address = String(ada.chatId);
    await h.channel.send(address, h.memory.invite(address, 'nps'));
    const [question] = h.fake.sent(ada.chatId);
    const tap = callbackUpdate(ada, question!, buttonData(question!, '3'));
    await postUpdate(h.app, webhookSecret, tap);
    const sent = h.fake.sent(ada.chatId).length;
    await postUpdate(h.app, webhookSecret, tap);
    expect(h.fake.sent(ada.chatId)).toHaveLength(sent);
    expect(h.memory.session(address)).toMatchObject({ state: 'awaiting_comment', score: 3 });
  });
});
