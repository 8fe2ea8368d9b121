import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { hours, TestClock } from '../helpers/clock.js';

describe('a reminder recorded by a sweep that dies before queueing it', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let server: TestServer;
  beforeAll(async () => {
    server = await buildTestServer({ WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0' }, { now: clock.now });
  });
  afterAll(() => server.close());

  const reminders = async (visitor: string) => (await server.app.store.webTranscripts.list('default', visitor)).filter((l) => l.from === 'bot' && /reminder/i.test(l.text)).length;

  it('is queued by a later sweep, once', async () => {
    const { app } = server;
    await (await app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'web', address: 'v_remind', trigger: 'web' });
    clock.advance(hours(25));
    // The survey's reminder is written; the process "dies" before the outbox has it.
    const enqueue = vi.spyOn(app.outbox, 'enqueue').mockRejectedValueOnce(new Error('killed'));
    await expect(app.sweeper.sweep()).rejects.toThrow('killed');
    enqueue.mockRestore();
    expect((await app.store.surveys.latest('default', 'web', 'v_remind'))[0]?.remindedAt).toBeDefined();
    expect(await reminders('v_remind')).toBe(0);

    clock.advance(1_000);
    await app.sweeper.sweep();
    await app.sweeper.sweep();
    expect(await reminders('v_remind')).toBe(1);
    expect((await app.store.surveys.latest('default', 'web', 'v_remind'))[0]?.owed).toEqual([]);
  });
});
