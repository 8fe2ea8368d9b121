import { afterEach, describe, expect, it } from 'vitest';
import mongoose from 'mongoose';
import type { InlineKeyboardMarkup } from 'telegraf/types';
import { adapterHarness, type AdapterHarness } from './setup.js';

const chat = '5551234567';
let h: AdapterHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const keyboardOf = (payload: Record<string, unknown>) =>
  (payload.reply_markup as InlineKeyboardMarkup).inline_keyboard.map((row) => row.map((b) => b.text).join(' '));

describe('telegram send: rendering', () => {
  it('renders each survey kind with its keyboard layout', async () => {
    h = await adapterHarness();
    await h.channel.send(chat, h.memory.invite(chat, 'nps'));
    await h.channel.send(chat, h.memory.invite(chat, 'csat'));
    await h.channel.send(chat, h.memory.invite(chat, 'ces'));
    const [nps, csat, ces] = h.fake.calls.filter((c) => c.method === 'sendMessage');
    expect(keyboardOf(nps!.payload)).toEqual(['0 1 2 3 4 5', '6 7 8 9 10']);
    expect(keyboardOf(csat!.payload)).toEqual(['1 😠 2 🙁 3 😐 4 🙂 5 😄']);
    expect(keyboardOf(ces!.payload)).toEqual(['1 2 3 4 5 6 7']);
    const button = (nps!.payload.reply_markup as InlineKeyboardMarkup).inline_keyboard[1]![3]!;
    expect(button).toEqual({ text: '9', callback_data: 's:65f0c0ffee0000000000abcd:9' });
  });

  it('sends plain text without a keyboard and returns the message id', async () => {
    h = await adapterHarness();
    const delivery = await h.channel.send(chat, { text: 'Thank you!' });
    const [call] = h.fake.calls;
    expect(call).toMatchObject({ method: 'sendMessage', payload: { chat_id: chat, text: 'Thank you!' } });
    expect(call!.payload.reply_markup).toBeUndefined();
    expect(delivery).toEqual({ status: 'sent', providerMessageId: String((call!.result as { message_id: number }).message_id) });
  });

  // telegraf drops its own keep-alive agent for an http root; Node's global agent (keep-alive since Node 19) then keeps the
  // connection, so the stand-in the tests and the benchmark use costs a connection per call no more than Telegram's root does.
  it('keeps its connection to an http stand-in of the Bot API open between calls, as to Telegram’s https root', async () => {
    h = await adapterHarness();
    for (let i = 0; i < 5; i++) expect((await h.channel.send(chat, { text: `Thank you ${i}` })).status).toBe('sent');
    expect(h.fake.calls.filter((c) => c.method === 'sendMessage')).toHaveLength(5);
    expect(h.fake.connections()).toBe(1);
  });

  it('sends an image as a photo with the text as caption and the keyboard', async () => {
    h = await adapterHarness();
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const delivery = await h.channel.send(chat, {
      text: 'NPS this week: 42',
      image: { png, alt: 'NPS chart' },
      choices: [{ label: 'Details', value: 'details' }],
    });
    const [call] = h.fake.calls;
    expect(call?.method).toBe('sendPhoto');
    expect(call?.payload).toMatchObject({ chat_id: chat, caption: 'NPS this week: 42', photo: { bytes: png.length } });
    expect(keyboardOf(call!.payload)).toEqual(['Details']);
    expect(delivery.status).toBe('sent');
  });

  it('sends a picture read back from the outbox (BSON Binary) as a photo', async () => {
    h = await adapterHarness();
    const png = new mongoose.mongo.Binary(Buffer.from('89504e47', 'hex'));
    const delivery = await h.channel.send(chat, { text: 'Chart', image: { png: png as unknown as Buffer, alt: 'Chart' } });
    expect(delivery.status).toBe('sent');
    expect(h.fake.calls[0]?.payload.photo).toMatchObject({ bytes: 4 });
  });

  it('sends a text too long for a caption as a message after the photo', async () => {
    h = await adapterHarness();
    const text = 'x'.repeat(1500);
    await h.channel.send(chat, { text, image: { png: Buffer.from('png'), alt: 'Weekly chart' } });
    expect(h.fake.calls.map((c) => [c.method, c.payload.caption ?? c.payload.text])).toEqual([
      ['sendPhoto', 'Weekly chart'],
      ['sendMessage', text],
    ]);
  });
});

describe('telegram send: refusals', () => {
  it('turns a 429 into a retryable failure with retry_after, and holds the chat that long', async () => {
    const waits: number[] = [];
    h = await adapterHarness({}, { pacing: { sleep: async (ms) => void waits.push(ms) } });
    h.fake.failNext('429');
    const delivery = await h.channel.send(chat, { text: 'Hi' });
    expect(delivery).toMatchObject({ status: 'failed', retryable: true, retryAfterSeconds: 3 });
    expect(delivery.error).toMatch(/^429/);
    await h.channel.send(chat, { text: 'Hi again' });
    // The hold, and nothing longer than the bot's even spacing (1/30 s) besides.
    expect(waits.filter((ms) => ms > 2_900)).toHaveLength(1);
    expect(waits.filter((ms) => ms > 1000 / 30 && ms <= 2_900)).toEqual([]);
    expect(h.memory.optOuts).toEqual([]);
  });

  it('reports "bot was blocked by the user" as an opt-out, for the outbox to record', async () => {
    h = await adapterHarness();
    h.fake.failNext('403');
    const delivery = await h.channel.send(chat, { text: 'Hi' });
    expect(delivery).toMatchObject({ status: 'failed', optedOut: true, error: expect.stringMatching(/blocked by the user/) });
    expect(delivery.retryable).toBeFalsy();
    // One place records a refused send: the outbox (or the webhook, for a reply it sent itself).
    expect(h.memory.optOuts).toEqual([]);
  });

  it('still answers with the delivery when recording the opt-out fails', async () => {
    h = await adapterHarness();
    h.memory.deps.recordOptOut = async () => {
      throw new Error('database down');
    };
    h.fake.failNext('403');
    await expect(h.channel.send(chat, { text: 'Hi' })).resolves.toMatchObject({ status: 'failed', optedOut: true });
  });

  it('treats a 5xx and a dropped connection as retryable', async () => {
    h = await adapterHarness();
    h.fake.failNext('500');
    expect(await h.channel.send(chat, { text: 'Hi' })).toMatchObject({ status: 'failed', retryable: true });
    h.fake.failNext('reset');
    expect(await h.channel.send(chat, { text: 'Hi' })).toMatchObject({ status: 'failed', retryable: true });
  });

  it('treats a 400 (chat not found) as final', async () => {
    h = await adapterHarness();
    h.fake.failNext({ status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' } });
    const delivery = await h.channel.send(chat, { text: 'Hi' });
    expect(delivery).toMatchObject({ status: 'failed', retryable: false, error: '400: Bad Request: chat not found' });
    expect(delivery.optedOut).toBeUndefined();
  });

  it('refuses a button value too long for callback_data without calling Telegram', async () => {
    h = await adapterHarness();
    const delivery = await h.channel.send(chat, { text: 'Pick', choices: [{ label: 'x', value: 'v'.repeat(80) }] });
    expect(delivery).toMatchObject({ status: 'failed', retryable: false });
    expect(h.fake.calls).toEqual([]);
  });
});
