import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTwoInstances, type TestServer, type TwoInstances } from '../../helpers/build.js';
import { TestClock } from '../../helpers/clock.js';
import { startFakeTelegram, type FakeTelegram } from '../../helpers/fake-telegram.js';
import { telegramEnv, telegramTestToken } from '../../helpers/telegram-server.js';

/**
 * A Telegram send a crash interrupted: the Bot API keeps no list of what a bot sent, so once its
 * lock runs out the sweeper of another instance cannot tell whether it went. It is marked failed
 * and never sent again (a duplicate is worse than a gap). An invitation so marked keeps its
 * reminder, which repeats the question: it may well have arrived, and if not the reminder asks.
 */
describe('Telegram sends a crash interrupted', () => {
  const clock = new TestClock();
  const webhookSecret = 'telegram-test-webhook-secret';
  let fake: FakeTelegram;
  let first: TestServer;
  let second: TestServer;
  let instances: TwoInstances | undefined;

  beforeAll(async () => {
    fake = await startFakeTelegram({ token: telegramTestToken });
    const env = telegramEnv({ fake, webhookSecret }, { REMINDER_AFTER: '24h', SURVEY_TTL: '72h' });
    instances = await buildTwoInstances(env, { now: clock.now });
    ({ first, second } = instances);
  });
  afterAll(async () => {
    await instances?.close();
    await fake?.close();
  });

  const outboxOf = async (address: string) =>
    (await first.app.db.collection('outbox').find({ channel: 'telegram', address }).sort({ createdAt: 1 }).toArray()).map((i) => [i.purpose, i.state, i.error ?? null]);

  it('is marked failed after its lock, not sent again, and the survey’s reminder still goes once', { timeout: 30_000 }, async () => {
    const chatId = randomInt(100_000_000, 2_000_000_000);
    const address = String(chatId);
    // The first instance's invitation is under way when it dies: Telegram took it, the answer never came back.
    const hold = fake.holdNext('sendMessage');
    const started = (await first.app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'telegram', address, trigger: 'api' });
    await hold.arrived;
    expect(fake.sent(chatId)).toHaveLength(1);

    // Within the lock, the other instance leaves it alone; after it, the item is settled as failed, nothing sent.
    clock.advance(4 * 60_000);
    await second.app.sweeper.sweep();
    expect(await outboxOf(address)).toEqual([['invitation', 'sending', null]]);
    clock.advance(60_000 + 1_000);
    await second.app.sweeper.sweep();
    expect(await outboxOf(address)).toEqual([['invitation', 'failed', 'send interrupted; not retried to avoid a duplicate']]);
    expect(fake.sent(chatId)).toHaveLength(1);

    // The first instance hears its 500 at last: the item is no longer its to retry.
    hold.release();
    await started;
    clock.advance(10 * 60_000);
    await first.app.sweeper.sweep();
    await second.app.sweeper.sweep();
    expect(fake.sent(chatId)).toHaveLength(1);
    expect((await outboxOf(address)).map(([, state]) => state)).toEqual(['failed']);

    // A day after the invitation, its reminder goes, once, asking the question again.
    clock.advance(24 * 60 * 60_000);
    await second.app.sweeper.sweep();
    await first.app.sweeper.sweep();
    const sent = fake.sent(chatId);
    expect(sent).toHaveLength(2);
    expect(sent[1] && 'text' in sent[1] ? sent[1].text : '').toMatch(/0.*10/);
    expect((await outboxOf(address)).map(([purpose, state]) => `${purpose} ${state}`)).toEqual(['invitation failed', 'reminder sent']);
  });
});
