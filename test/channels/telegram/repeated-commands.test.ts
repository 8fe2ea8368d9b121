import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TestClock } from '../../helpers/clock.js';
import { postUpdate, textUpdate } from '../../helpers/fake-telegram.js';
import { useTelegramServer } from '../../helpers/telegram-server.js';

const clock = new TestClock();
const t = useTelegramServer(clock);

/** A person who sends the same command again and again gets one answer per minute, not one per message. */
describe('a command repeated from one Telegram chat', () => {
  const newChat = () => ({ chatId: randomInt(100_000_000, 2_000_000_000), firstName: 'Ada' });
  const say = async (person: ReturnType<typeof newChat>, text: string) => {
    expect((await postUpdate(t.server.app, t.webhookSecret, textUpdate(person, text))).statusCode).toBe(200);
  };

  it('fifty /start from a stranger: one answer, and another after the window', async () => {
    const person = newChat();
    for (let i = 0; i < 50; i++) await say(person, '/start');
    expect(t.fake.sent(person.chatId)).toHaveLength(1);
    clock.advance(61_000);
    await say(person, '/start');
    expect(t.fake.sent(person.chatId)).toHaveLength(2);
  });

  it('fifty /start during a survey: the help and the question once; an answer in between is answered, and so is the next /start', async () => {
    const person = newChat();
    await (await t.server.app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'telegram', address: String(person.chatId), trigger: 'api' });
    const invited = t.fake.sent(person.chatId).length;
    for (let i = 0; i < 50; i++) await say(person, '/start');
    expect(t.fake.sent(person.chatId)).toHaveLength(invited + 2);
    await say(person, '9');
    expect(t.fake.sent(person.chatId)).toHaveLength(invited + 3);
    await say(person, '/start');
    expect(t.fake.sent(person.chatId)).toHaveLength(invited + 5);
    expect((await t.server.app.store.surveys.model.findOne({ channel: 'telegram', address: String(person.chatId) }).lean())?.score).toBe(9);
  });
});
