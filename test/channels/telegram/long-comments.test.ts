import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TestClock } from '../../helpers/clock.js';
import { postUpdate, textUpdate } from '../../helpers/fake-telegram.js';
import { useTelegramServer } from '../../helpers/telegram-server.js';

const clock = new TestClock();
const t = useTelegramServer(clock);

/** Telegram clients split a paste longer than 4,096 characters into several messages, sent a moment apart. */
describe('a long comment pasted in Telegram', () => {
  const newChat = () => ({ chatId: randomInt(100_000_000, 2_000_000_000), firstName: 'Ada' });
  const surveyOf = (chatId: number) => t.server.app.store.surveys.model.findOne({ channel: 'telegram', address: String(chatId) }).lean();
  const say = async (person: ReturnType<typeof newChat>, text: string, updateId?: number) => {
    const res = await postUpdate(t.server.app, t.webhookSecret, textUpdate(person, text, updateId));
    expect(res.statusCode).toBe(200);
  };

  it('is stored whole when its parts arrive within seconds, each part once', async () => {
    const person = newChat();
    await (await t.server.app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'telegram', address: String(person.chatId), trigger: 'api' });
    await say(person, '3');
    const first = 'The delivery was late again. '.repeat(141).trim(); // 4,088 characters: one Telegram message
    const second = 'And the box was damaged.';
    await say(person, first);
    const sentBefore = t.fake.sent(person.chatId).length;
    clock.advance(1_500);
    const update = 900_000_000 + randomInt(1_000_000);
    await say(person, second, update);
    await say(person, second, update); // Telegram delivers the same update again
    expect((await surveyOf(person.chatId))?.comment).toBe(`${first}\n${second}`);
    expect(t.fake.sent(person.chatId)).toHaveLength(sentBefore); // the thank-you came once, after the first part
  });

  it('leaves a short comment and the text after it alone', async () => {
    const person = newChat();
    await (await t.server.app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'telegram', address: String(person.chatId), trigger: 'api' });
    await say(person, '9');
    await say(person, 'Great coffee');
    clock.advance(1_000);
    await say(person, 'and cake');
    expect((await surveyOf(person.chatId))?.comment).toBe('Great coffee');
  });

  it('leaves a later message alone', async () => {
    const person = newChat();
    await (await t.server.app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'telegram', address: String(person.chatId), trigger: 'api' });
    await say(person, '9');
    const long = 'Great coffee, every time. '.repeat(60).trim();
    await say(person, long);
    clock.advance(60_000);
    await say(person, 'thanks!');
    expect((await surveyOf(person.chatId))?.comment).toBe(long);
  });
});
