import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { TestClock } from '../helpers/clock.js';
import { namedOutsideDirectory, recordCommands } from '../helpers/commands.js';
import { installActivity, messageActivity, postActivity, startFakeBotConnector, teamsUser, type FakeBotConnector } from '../helpers/fake-bot-connector.js';
import { newSid, startFakeTwilio, type FakeTwilio } from '../helpers/fake-twilio.js';
import { postUpdate, startFakeTelegram, textUpdate, type FakeTelegram } from '../helpers/fake-telegram.js';
import { telegramEnv, telegramTestToken } from '../helpers/telegram-server.js';
import { accountSid, authToken, publicUrl, smsEnv } from '../channels/sms/harness.js';
import { coldSendsAt } from '../../src/channels/shared-send-queue.js';
import { defaultBotPerSecond } from '../../src/channels/telegram/pacer.js';

const owner = '+14155550199';

/**
 * Every database command a reply causes: the inline ones, the owner alerts sent after the answer,
 * and what the sweeps that follow do for it until nothing is owed (a sweep's own queries, which it
 * makes whether or not anything is owed, counted once per pass and taken off).
 */
describe('database round trips per reply, including the later sweeps', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let fake: FakeTwilio;
  let connector: FakeBotConnector;
  let telegram: FakeTelegram;
  const webhookSecret = 'round-trips-telegram-webhook-secret';
  let server: TestServer;
  let commands: string[] = [];

  beforeAll(async () => {
    [fake, connector] = await Promise.all([startFakeTwilio({ accountSid, authToken, publicUrl }), startFakeBotConnector()]);
    telegram = await startFakeTelegram({ token: telegramTestToken });
    const { PUBLIC_URL: _publicUrl, ...telegramVars } = telegramEnv({ fake: telegram, webhookSecret });
    const env = smsEnv(fake, { ...telegramVars, TEAMS_AUTH_DISABLED: 'true', SWEEP_INTERVAL: '0', OWNER_ADDRESSES: `sms:${owner}` });
    server = await buildTestServer(env, { now: clock.now, monitorCommands: true });
    commands = recordCommands(server.app, namedOutsideDirectory);
  });
  afterAll(async () => {
    await server?.close();
    await Promise.all([fake?.close(), connector?.close(), telegram?.close()]);
  });

  /** The commands one action sends, with the alerts it sets going after its answer. */
  const counted = async (action: () => Promise<unknown>): Promise<string[]> => {
    await server.app.alerts.drain();
    commands.length = 0;
    await action();
    await server.app.alerts.drain();
    // A receipt is recorded after the answer: wait until the commands stop.
    for (let seen = -1; seen !== commands.length; ) {
      seen = commands.length;
      await new Promise((r) => setTimeout(r, 150));
    }
    return [...commands];
  };

  /** `list` less one of each command in `taken` (what a pass did beyond an idle one). */
  const beyond = (list: string[], taken: string[]) => {
    const rest = [...list];
    for (const c of taken) if (rest.includes(c)) rest.splice(rest.indexOf(c), 1);
    return rest;
  };

  /** Sweeps until one finds nothing to do: their commands beyond an idle pass's, and the passes. */
  const sweepsUntilIdle = async (idle: string[]): Promise<{ extra: number; passes: number; names: string[] }> => {
    const names: string[] = [];
    for (let passes = 1; passes <= 10; passes++) {
      let work = 0;
      const run = await counted(async () => {
        const result = await server.app.sweeper.sweep();
        work = Object.values(result).reduce((a, b) => a + b, 0);
      });
      names.push(...beyond(run, idle));
      if (work === 0) return { extra: names.length, passes, names };
    }
    throw new Error('the sweeps never ran out of work');
  };

  /** Commands of a sweep with nothing to do (measured twice, so the first pass's one-off work is past). */
  const idleSweep = async (): Promise<string[]> => {
    await counted(() => server.app.sweeper.sweep());
    return counted(() => server.app.sweeper.sweep());
  };

  const sms = async (from: string, body: string) => fake.receive(server.app, { from, body, messageSid: newSid('SM') });

  it.each([
    ['promoter', '9'],
    ['detractor', '3'],
  ])('SMS %s: score and comment, with the sweeps after them', async (band, score) => {
    const customer = band === 'promoter' ? '+14155550111' : '+14155550112';
    await (await server.app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'sms', address: customer, trigger: 'api' });
    const idle = await idleSweep();
    const scored = await counted(() => sms(customer, score));
    const scoreSweeps = await sweepsUntilIdle(idle);
    const commented = await counted(() => sms(customer, 'the order came late'));
    const commentSweeps = await sweepsUntilIdle(idle);
    console.log(
      `round trips, SMS ${band} (one owner): score ${scored.length} inline (${scored.join(', ')}) + ${scoreSweeps.extra} in ${scoreSweeps.passes} sweeps (${scoreSweeps.names.join(', ')}); ` +
        `comment ${commented.length} inline (${commented.join(', ')}) + ${commentSweeps.extra} in ${commentSweeps.passes} sweeps; an idle sweep ${idle.length}`,
    );
    expect((await server.app.store.surveys.model.findOne({ address: customer }).lean())?.state).toBe('completed');
    // A detractor's: the answer's 4 and the owner alert's 7 (owners and their identities read, the item
    // queued already taken, the survey's owed list cleared, the owner's opt-out read, the send's slot
    // claimed, the item finished). The business's wording is read at most once per 10 s (a cache),
    // whichever reply that falls on; a send let go late on a loaded machine claims one slot more (its
    // lane's next turn, see the shared send queue).
    for (const reply of [scored, commented]) {
      const wording = reply.filter((c) => c === 'find wordings').length;
      const lateSlot = Math.max(0, reply.filter((c) => c === 'insert send_slots').length - 1);
      expect(wording).toBeLessThanOrEqual(1);
      expect(lateSlot).toBeLessThanOrEqual(1);
      expect(reply.length - wording - lateSlot).toBeLessThanOrEqual(band === 'promoter' ? 4 : 11);
    }
    if (band === 'detractor') expect(scored.filter((c) => c.endsWith(' outbox'))).toEqual(['insert outbox', 'update outbox']);
    for (const sweeps of [scoreSweeps, commentSweeps]) expect(sweeps.extra).toBeLessThanOrEqual(2);
  });

  it('Teams: a score and a comment', async () => {
    const user = teamsUser();
    const options = { user, serviceUrl: connector.serviceUrl };
    expect((await postActivity(server.app, installActivity(options))).statusCode).toBe(200);
    await (await server.app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'teams', address: user.aadObjectId, trigger: 'api' });
    const idle = await idleSweep();
    const scored = await counted(async () => expect((await postActivity(server.app, messageActivity('9', options))).statusCode).toBe(200));
    const scoreSweeps = await sweepsUntilIdle(idle);
    const commented = await counted(async () => expect((await postActivity(server.app, messageActivity('quick and friendly', options))).statusCode).toBe(200));
    const commentSweeps = await sweepsUntilIdle(idle);
    console.log(
      `round trips, Teams: score ${scored.length} inline (${scored.join(', ')}) + ${scoreSweeps.extra} in ${scoreSweeps.passes} sweeps (${scoreSweeps.names.join(', ')}); ` +
        `comment ${commented.length} inline (${commented.join(', ')}) + ${commentSweeps.extra} in ${commentSweeps.passes} sweeps (${commentSweeps.names.join(", ")})`,
    );
    expect((await server.app.store.surveys.model.findOne({ address: user.aadObjectId }).lean())?.state).toBe('completed');
    // The conversation reference did not change since the install: it is not written again.
    for (const reply of [scored, commented]) expect(reply.filter((c) => c.endsWith(' teams_conversations'))).toEqual([]);
    for (const reply of [scored, commented]) expect(reply.length).toBeLessThanOrEqual(4);
    for (const sweeps of [scoreSweeps, commentSweeps]) expect(sweeps.extra).toBeLessThanOrEqual(2);
  });

  it('Telegram: a score and a comment', async () => {
    const person = { chatId: 731_000_123, firstName: 'Ada' };
    const surveys = (await server.app.businesses.get('default'))!.surveys;
    // The bot's first sends in this instance (cold: each also claims its lane's next turn, see
    // shared-send-queue.ts) go to others first, so the replies counted are a warm instance's.
    for (let i = 0; i < coldSendsAt(defaultBotPerSecond); i++) await surveys.start({ kind: 'nps', channel: 'telegram', address: String(731_000_200 + i), trigger: 'api' });
    await surveys.start({ kind: 'nps', channel: 'telegram', address: String(person.chatId), trigger: 'api' });
    const idle = await idleSweep();
    const reply = (text: string) => async () => expect((await postUpdate(server.app, webhookSecret, textUpdate(person, text))).statusCode).toBe(200);
    const scored = await counted(reply('9'));
    const scoreSweeps = await sweepsUntilIdle(idle);
    const commented = await counted(reply('quick and friendly'));
    const commentSweeps = await sweepsUntilIdle(idle);
    console.log(
      `round trips, Telegram: score ${scored.length} inline (${scored.join(', ')}) + ${scoreSweeps.extra} in ${scoreSweeps.passes} sweeps (${scoreSweeps.names.join(', ')}); ` +
        `comment ${commented.length} inline (${commented.join(', ')}) + ${commentSweeps.extra} in ${commentSweeps.passes} sweeps (${commentSweeps.names.join(', ')})`,
    );
    expect((await server.app.store.surveys.model.findOne({ address: String(person.chatId) }).lean())?.state).toBe('completed');
    expect(telegram.sent(person.chatId).length).toBeGreaterThanOrEqual(3);
    // Teams' 4, and the send slot of the bot's pacing shared by the instances: one reply at a time is
    // too slow a pace to hold slots ahead, so each claims its own (a steady stream claims once for several).
    for (const reply of [scored, commented]) {
      expect(reply.filter((c) => c === 'insert send_slots')).toEqual(['insert send_slots']);
      expect(reply.length).toBeLessThanOrEqual(5);
    }
    for (const sweeps of [scoreSweeps, commentSweeps]) expect(sweeps.extra).toBeLessThanOrEqual(2);
  });
});
