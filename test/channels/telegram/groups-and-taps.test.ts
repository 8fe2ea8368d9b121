import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TestClock } from '../../helpers/clock.js';
import { buttonData, callbackUpdate, groupTextUpdate, postUpdate, textUpdate } from '../../helpers/fake-telegram.js';
import { useTelegramServer } from '../../helpers/telegram-server.js';

const clock = new TestClock();
const owner = { chatId: 700_000_001, firstName: 'Olga' };
const t = useTelegramServer(clock, { OWNER_ADDRESSES: `telegram:${owner.chatId}` });
const newChat = () => ({ chatId: randomInt(100_000_000, 2_000_000_000), firstName: 'Ada' });
const group = -1_001_234_567_890;

describe('telegram group chats', () => {
  it('ignore an ordinary member: no answer to "9" or "/survey", and STOP records no opt-out', async () => {
    const member = newChat();
    for (const text of ['9', '/survey nps +14155552671', 'STOP']) {
      expect((await postUpdate(t.server.app, t.webhookSecret, groupTextUpdate(member, group, text))).statusCode).toBe(200);
    }
    expect(t.fake.sent()).toEqual([]);
    expect(await t.server.app.store.customers.model.countDocuments({ channel: 'telegram' })).toBe(0);
    expect(await t.server.app.store.inbound.model.countDocuments({ channel: 'telegram' })).toBe(0);
  });

  it('answer /help, and run a known staff member\'s command, answered in the group', async () => {
    const member = newChat();
    await postUpdate(t.server.app, t.webhookSecret, groupTextUpdate(member, group, '/help'));
    expect(t.fake.sent(group).map((m) => ('text' in m ? m.text : ''))).toEqual([expect.stringMatching(/survey/i)]);
    t.fake.reset();
    await postUpdate(t.server.app, t.webhookSecret, groupTextUpdate(owner, group, '/stats'));
    expect(t.fake.sent(group).map((m) => ('text' in m ? m.text : ''))).toEqual([expect.stringMatching(/^Last 30 days/)]);
  });
});

describe('telegram taps that cannot count', () => {
  const invite = async (person: { chatId: number }) => {
    const started = await (await t.server.app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'telegram', address: String(person.chatId), trigger: 'api' });
    if (started.status !== 'sent') throw new Error(started.status);
    return { surveyId: started.surveyId, question: t.fake.sent(person.chatId)[0]! };
  };
  const toast = () => t.fake.calls.filter((c) => c.method === 'answerCallbackQuery').map((c) => c.payload.text);

  it('a second tap after the score: a notice, nothing redrawn, nothing sent, the score kept', async () => {
    const person = newChat();
    const { surveyId, question } = await invite(person);
    await postUpdate(t.server.app, t.webhookSecret, callbackUpdate(person, question, buttonData(question, '9')));
    t.fake.reset();
    await postUpdate(t.server.app, t.webhookSecret, callbackUpdate(person, question, buttonData(question, '3')));
    expect(toast()).toEqual(['You already answered this question.']);
    expect(t.fake.calls.map((c) => c.method)).toEqual(['answerCallbackQuery']);
    expect(await t.server.app.store.surveys.model.findById(surveyId).lean()).toMatchObject({ state: 'awaiting_comment', score: 9 });
  });

  it('a tap on a survey that has ended: a notice, and no score drawn that was never stored', async () => {
    const person = newChat();
    const { surveyId, question } = await invite(person);
    await postUpdate(t.server.app, t.webhookSecret, textUpdate(person, '8'));
    await postUpdate(t.server.app, t.webhookSecret, textUpdate(person, 'all good'));
    t.fake.reset();
    await postUpdate(t.server.app, t.webhookSecret, callbackUpdate(person, question, buttonData(question, '2')));
    expect(toast()).toEqual(['This survey has ended.']);
    expect(t.fake.calls.map((c) => c.method)).toEqual(['answerCallbackQuery']);
    expect(await t.server.app.store.surveys.model.findById(surveyId).lean()).toMatchObject({ state: 'completed', score: 8, comment: 'all good' });
  });

  it('a button whose value is no score: a notice and the question again, nothing changes', async () => {
    const person = newChat();
    const { surveyId, question } = await invite(person);
    t.fake.reset();
    await postUpdate(t.server.app, t.webhookSecret, callbackUpdate(person, question, `s:${surveyId}:abc`));
    expect(toast()).toEqual(['That is not one of the choices.']);
    expect(t.fake.calls.map((c) => c.method)).toEqual(['answerCallbackQuery', 'sendMessage']);
    const [again] = t.fake.sent(person.chatId);
    expect(JSON.stringify(again)).toMatch(/recommend/i);
    expect(buttonData(again!, '10')).toBe(`s:${surveyId}:10`);
    expect(await t.server.app.store.surveys.model.findById(surveyId).lean()).toMatchObject({ state: 'invited', rev: 0 });
  });
});
