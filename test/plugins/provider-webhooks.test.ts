import { describe, expect, it } from 'vitest';
import { buildTestServer } from '../helpers/build.js';
import { TestClock } from '../helpers/clock.js';
import { postUpdate, textUpdate } from '../helpers/fake-telegram.js';
import { telegramEnv, useTelegramServer } from '../helpers/telegram-server.js';

const clock = new TestClock();
const t = useTelegramServer(clock);

async function surveyed(chatId: number) {
  const { app } = t.server;
  await (await app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'telegram', address: String(chatId), trigger: 'api' });
  expect(t.fake.sent(chatId)).toHaveLength(1);
}

describe('webhook redeliveries', () => {
  it('answer one that arrives while the first delivery is still handled with nothing: the first sends the replies', async () => {
    const chatId = 870_000_001;
    await surveyed(chatId);
    const update = textUpdate({ chatId }, '9');
    // Telegram holds the first reply back for a second (429): the first delivery is still sending it when the others arrive.
    t.fake.failNext({ status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } } }, 'sendMessage');
    const first = postUpdate(t.server.app, t.webhookSecret, update);
    await t.fake.waitFor('sendMessage');
    const answers = await Promise.all([first, ...[2, 3].map(() => postUpdate(t.server.app, t.webhookSecret, update))]);
    await (await t.server.app.businesses.get('default'))!.pipeline.drain();
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200]);
    expect(t.fake.sent(chatId)).toHaveLength(2); // the invitation and one follow-up
  });

  it('still send the replies again to one that comes, after a restart, for a delivery whose replies were never confirmed', async () => {
    const chatId = 870_000_002;
    await surveyed(chatId);
    const update = textUpdate({ chatId }, '9');
    await postUpdate(t.server.app, t.webhookSecret, update);
    await (await t.server.app.businesses.get('default'))!.pipeline.drain();
    // As if the process had died after sending the follow-up and before writing its receipt: the
    // receipt is taken back, and the redelivery reaches a process started afterwards.
    const [survey] = await t.server.app.store.surveys.latest('default', 'telegram', String(chatId));
    const followUp = t.fake.sent(chatId)[1]!;
    await t.server.app.store.surveys.model.updateOne({ _id: survey!.id }, { $set: { pendingReply: { messageId: String(update.update_id), replies: [{ text: 'text' in followUp ? followUp.text : '' }] } } });
    const restarted = await buildTestServer(telegramEnv(t), { now: clock.now, dbName: t.server.dbName });
    try {
      await postUpdate(restarted.app, t.webhookSecret, update);
      await (await restarted.app.businesses.get('default'))!.pipeline.drain();
    } finally {
      await restarted.close();
    }
    expect(t.fake.sent(chatId)).toHaveLength(3);
  });

  it('send nothing again to one that reaches the process that sent the replies, even if the survey reads unconfirmed', async () => {
    const chatId = 870_000_003;
    await surveyed(chatId);
    const update = textUpdate({ chatId }, '9');
    await postUpdate(t.server.app, t.webhookSecret, update);
    await (await t.server.app.businesses.get('default'))!.pipeline.drain();
    // A read older than the receipt (FerretDB has served such reads): the survey looks unconfirmed.
    const [survey] = await t.server.app.store.surveys.latest('default', 'telegram', String(chatId));
    await t.server.app.store.surveys.model.updateOne({ _id: survey!.id }, { $set: { pendingReply: { messageId: String(update.update_id), replies: [{ text: 'again' }] } } });
    const again = await postUpdate(t.server.app, t.webhookSecret, update);
    await (await t.server.app.businesses.get('default'))!.pipeline.drain();
    expect(again.statusCode).toBe(200);
    expect(t.fake.sent(chatId)).toHaveLength(2); // the invitation and one follow-up
  });
});
