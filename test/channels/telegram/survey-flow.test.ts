import { describe, expect, it } from 'vitest';
import { createHook } from 'node:async_hooks';
import { randomInt } from 'node:crypto';
import { unconfirmedReplyMs } from '../../../src/surveys/sweeper.js';
import { TestClock } from '../../helpers/clock.js';
import { blockUpdate, buttonData, callbackUpdate, postUpdate, textUpdate } from '../../helpers/fake-telegram.js';
import { useTelegramServer } from '../../helpers/telegram-server.js';

const clock = new TestClock();
const t = useTelegramServer(clock);

const newChat = () => ({ chatId: randomInt(100_000_000, 2_000_000_000), firstName: 'Ada' });
const invite = async (chatId: number, kind: 'nps' | 'csat' | 'ces' = 'nps') =>
  (await t.server.app.businesses.get('default'))!.surveys.start({ kind, channel: 'telegram', address: String(chatId), trigger: 'api' });

describe('telegram with the survey service and the real database', () => {
  it('registers the webhook route and no setWebhook call in tests', async () => {
    expect((await t.server.app.businesses.get('default'))!.channels.has('telegram')).toBe(true);
    expect(t.fake.calls.some((c) => c.method === 'setWebhook')).toBe(false);
  });

  it('refuses a wrong secret header and stores nothing', async () => {
    const person = newChat();
    await invite(person.chatId);
    t.fake.reset();
    const update = textUpdate(person, '9');
    const res = await postUpdate(t.server.app, t.webhookSecret, update, { 'x-telegram-bot-api-secret-token': 'not-the-secret-at-all' });
    expect(res.statusCode).toBe(403);
    expect(await t.server.app.store.inbound.model.countDocuments({ channel: 'telegram', providerMessageId: String(update.update_id) })).toBe(0);
    expect(await t.server.app.store.surveys.model.findOne({ channel: 'telegram', address: String(person.chatId) }).lean()).toMatchObject({ state: 'invited' });
    expect(t.fake.calls).toEqual([]);
  });

  it('sends the invitation with a keyboard carrying the survey id; a tap scores it', async () => {
    const person = newChat();
    const started = await invite(person.chatId);
    if (started.status !== 'sent') throw new Error(`invitation ${started.status}`);
    const [question] = t.fake.sent(person.chatId);
    const data = buttonData(question!, '10');
    expect(data).toBe(`s:${started.surveyId}:10`);

    const tap = callbackUpdate(person, question!, data);
    expect((await postUpdate(t.server.app, t.webhookSecret, tap)).statusCode).toBe(200);
    expect(t.fake.calls.map((c) => c.method)).toEqual(expect.arrayContaining(['answerCallbackQuery', 'editMessageText']));
    const survey = await t.server.app.store.surveys.model.findById(started.surveyId).lean();
    expect(survey).toMatchObject({ state: 'awaiting_comment', score: 10, band: 'promoter' });
    expect(t.fake.sent(person.chatId)).toHaveLength(2);

    // A replay of the same tap: nothing new stored or sent.
    await postUpdate(t.server.app, t.webhookSecret, tap);
    expect(t.fake.sent(person.chatId)).toHaveLength(2);
    expect((await t.server.app.store.surveys.model.findOne({ channel: 'telegram', address: String(person.chatId) }).lean())?.inbound).toEqual([String(tap.update_id)]);

    await postUpdate(t.server.app, t.webhookSecret, textUpdate(person, 'Great coffee'));
    expect(await t.server.app.store.surveys.model.findById(started.surveyId).lean()).toMatchObject({ state: 'completed', comment: 'Great coffee' });
  });

  it('labels CSAT buttons with faces; a tap scores the number and shows the label', async () => {
    const person = newChat();
    const started = await invite(person.chatId, 'csat');
    if (started.status !== 'sent') throw new Error(started.status);
    const [question] = t.fake.sent(person.chatId);
    await postUpdate(t.server.app, t.webhookSecret, callbackUpdate(person, question!, buttonData(question!, '2 🙁')));
    expect(await t.server.app.store.surveys.model.findById(started.surveyId).lean()).toMatchObject({ score: 2, band: 'detractor' });
    const edit = t.fake.calls.find((c) => c.method === 'editMessageText');
    expect(String(edit?.payload.text)).toMatch(/\n\n✓ 2 🙁$/);
  });

  it('marks the customer opted out when the invitation finds the bot blocked', async () => {
    const person = newChat();
    t.fake.failNext('403', 'sendMessage');
    await invite(person.chatId, 'csat');
    const customer = await t.server.app.store.customers.model.findOne({ channel: 'telegram', address: String(person.chatId) }).lean();
    expect(customer?.optedOutAt).toBeInstanceOf(Date);
    const survey = await t.server.app.store.surveys.model.findOne({ channel: 'telegram', address: String(person.chatId) }).lean();
    expect(survey?.state).toBe('opted_out');
  });

  it('closes the open survey and sends nothing more once the person blocks the bot', async () => {
    const person = newChat();
    await invite(person.chatId, 'nps');
    t.fake.reset();
    expect((await postUpdate(t.server.app, t.webhookSecret, blockUpdate(person, 'kicked'))).statusCode).toBe(200);
    const customer = await t.server.app.store.customers.model.findOne({ channel: 'telegram', address: String(person.chatId) }).lean();
    expect(customer).toMatchObject({ optedOutAt: expect.any(Date), optOutReason: 'blocked the bot' });
    expect(await t.server.app.store.surveys.model.findOne({ channel: 'telegram', address: String(person.chatId) }).lean()).toMatchObject({ state: 'opted_out' });
    clock.advance(2 * 86_400_000); // past the reminder time
    await t.server.app.sweeper.sweep();
    expect(await invite(person.chatId, 'csat')).toEqual({ status: 'opted_out' });
    expect(t.fake.sent(person.chatId)).toEqual([]);
  });

  /** An invited person's score whose reply the Bot API refuses with 5xx both times it is tried: the webhook answers 500. */
  async function scoredWithReplyRefused() {
    const person = newChat();
    const started = await invite(person.chatId);
    if (started.status !== 'sent') throw new Error(`invitation ${started.status}`);
    t.fake.failNext('500', 'sendMessage');
    t.fake.failNext('500', 'sendMessage');
    const update = textUpdate(person, '9');
    expect((await postUpdate(t.server.app, t.webhookSecret, update)).statusCode).toBe(500);
    expect(await t.server.app.store.surveys.model.findById(started.surveyId).lean()).toMatchObject({ state: 'awaiting_comment', score: 9 });
    expect(t.fake.sent(person.chatId)).toHaveLength(1); // the invitation only
    return { person, started, update };
  }

  it('answers 500 when a reply cannot go out yet (Telegram 5xx), and sends it once with the redelivered update', async () => {
    const { person, started, update } = await scoredWithReplyRefused();

    // Telegram delivers the update again: the score is not taken twice, and the reply goes out now.
    expect((await postUpdate(t.server.app, t.webhookSecret, update)).statusCode).toBe(200);
    expect(t.fake.sent(person.chatId)).toHaveLength(2);
    expect(await t.server.app.store.surveys.model.findById(started.surveyId).lean()).toMatchObject({ state: 'awaiting_comment', score: 9, inbound: [String(update.update_id)] });
    // And once only.
    expect((await postUpdate(t.server.app, t.webhookSecret, update)).statusCode).toBe(200);
    expect(t.fake.sent(person.chatId)).toHaveLength(2);
  });

  it('sends a reply that could not go out from the sweeper when Telegram never delivers the update again', async () => {
    const { person, update } = await scoredWithReplyRefused();
    // Telegram gave up on the update (or its redeliveries never got through): two minutes on, the sweeper sends the reply.
    clock.advance(unconfirmedReplyMs + 1_000);
    expect((await t.server.app.sweeper.sweep()).repliesQueued).toBe(1);
    expect(t.fake.sent(person.chatId)).toHaveLength(2);
    expect(t.fake.sent(person.chatId).at(-1)).toMatchObject({ text: expect.stringMatching(/like most/i) });
    // A redelivery after all sends nothing more, and neither does the next sweep.
    expect((await postUpdate(t.server.app, t.webhookSecret, update)).statusCode).toBe(200);
    clock.advance(unconfirmedReplyMs + 1_000);
    expect((await t.server.app.sweeper.sweep()).repliesQueued).toBe(0);
    expect(t.fake.sent(person.chatId)).toHaveLength(2);
  });

  it('leaves no timer behind an answered update (each one woke the process again 2 s later)', async () => {
    const people = Array.from({ length: 30 }, newChat);
    for (const person of people) await invite(person.chatId);
    // Timers made while the updates are answered and neither fired nor cleared since.
    const pending = new Set<number>();
    const hook = createHook({
      init: (id, type) => void (type === 'Timeout' && pending.add(id)),
      destroy: (id) => void pending.delete(id),
    }).enable();
    try {
      for (const person of people) expect((await postUpdate(t.server.app, t.webhookSecret, textUpdate(person, '9'))).statusCode).toBe(200);
    } finally {
      hook.disable();
    }
    expect(t.fake.calls.filter((c) => c.method === 'sendMessage')).toHaveLength(60); // the invitations and the replies
    // Other timers pending at a given moment (the send pacing's, the driver's) do not grow with the updates.
    expect(pending.size).toBeLessThan(people.length / 2);
  });

  it('keeps an invitation refused with 429 in the outbox for retry_after seconds', async () => {
    const person = newChat();
    t.fake.failNext('429', 'sendMessage');
    await invite(person.chatId, 'ces');
    const item = await t.server.app.store.outbox.model.findOne({ channel: 'telegram', address: String(person.chatId) }).lean();
    expect(item).toMatchObject({ state: 'pending', attempts: 1 });
    expect(item!.error).toMatch(/^429/);
    const delay = item!.nextAttemptAt.getTime() - clock.now().getTime();
    expect(delay).toBeGreaterThanOrEqual(3_000);
    expect(delay).toBeLessThan(4_000);
  });
});
