import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildServer } from '../../src/server.js';
import { buildTestServer, testConfig, type TestServer } from '../helpers/build.js';
import { TestClock, hours } from '../helpers/clock.js';
import { allCohortCounters, countedAll, sumOf } from '../helpers/counters.js';

describe('starting surveys', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let server: TestServer;
  beforeAll(async () => {
    server = await buildTestServer({ SWEEP_INTERVAL: '0', THROTTLE_DAYS: '30' }, { now: clock.now });
  });
  afterAll(() => server.close());
  const start = async (address: string, kind: 'nps' | 'csat' | 'ces' = 'nps') =>
    (await server.app.businesses.get('default'))!.surveys.start({ kind, channel: 'web', address, trigger: 'api' });

  it('allows one open survey per customer and channel, even without a throttle', async () => {
    const unthrottled = await buildTestServer({ SWEEP_INTERVAL: '0', THROTTLE_DAYS: '0' }, { now: clock.now });
    try {
      clock.reset();
      const first = await (await unthrottled.app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'web', address: 'v_open', trigger: 'api' });
      const second = await (await unthrottled.app.businesses.get('default'))!.surveys.start({ kind: 'csat', channel: 'web', address: 'v_open', trigger: 'api' });
      expect(second).toEqual({ status: 'already_open', surveyId: first.status === 'sent' ? first.surveyId : 'none' });
      expect(await unthrottled.app.store.surveys.model.countDocuments({ address: 'v_open' })).toBe(1);
    } finally {
      await unthrottled.close();
    }
  });

  it('throttles a customer for THROTTLE_DAYS after a survey', async () => {
    clock.reset();
    await start('v_throttle');
    clock.advance(hours(24 * 29));
    const early = await start('v_throttle');
    expect(early).toMatchObject({ status: 'throttled' });
    if (early.status === 'throttled') expect(early.until.toISOString()).toBe('2026-04-09T15:00:00.000Z');
    clock.advance(hours(24 * 2));
    await server.app.sweeper.sweep(); // the first survey expired long ago
    expect((await start('v_throttle')).status).toBe('sent');
  });

  it('refuses an opted-out customer', async () => {
    clock.reset();
    await start('v_stop');
    await (await server.app.businesses.get('default'))!.pipeline.handle({ channel: 'web', address: 'v_stop', providerMessageId: 'stop-1', text: 'STOP', receivedAt: clock.now() });
    clock.advance(hours(24 * 60));
    expect((await start('v_stop')).status).toBe('opted_out');
  });

  it('takes "yes" from someone never opted out as an answer, and as an opt-in after STOP', async () => {
    clock.reset();
    const say = async (address: string, id: string, text: string) => (await server.app.businesses.get('default'))!.pipeline.handle({ channel: 'web', address, providerMessageId: id, text, receivedAt: clock.now() });
    await start('v_yes', 'ces');
    expect((await say('v_yes', 'yes-1', 'yes')).replies.map((r) => r.text)).toEqual(["Sorry, I didn't catch that. Please reply with a number from 1 to 7."]);
    await say('v_yes', 'yes-2', '6');
    await say('v_yes', 'yes-3', 'Sí');
    expect(await server.app.store.surveys.model.findOne({ address: 'v_yes' }).lean()).toMatchObject({ state: 'completed', score: 6, comment: 'Sí' });

    await say('v_yes', 'yes-4', 'STOP');
    expect((await say('v_yes', 'yes-5', 'yes')).replies.map((r) => r.text)).toEqual([expect.stringMatching(/subscribed again/)]);
    expect((await server.app.store.customers.model.findOne({ channel: 'web', address: 'v_yes' }).lean())?.optedOutAt).toBeUndefined();
  });

  it('queues an invitation outside the send window and sends it when the window opens', async () => {
    clock.reset();
    clock.advance(hours(7)); // 22:00 UTC
    const result = await start('v_night');
    expect(result).toMatchObject({ status: 'queued' });
    if (result.status === 'queued') expect(result.sendAt.toISOString()).toBe('2026-03-11T09:00:00.000Z');
    expect((await server.app.sweeper.sweep()).sent).toBe(0);
    clock.advance(hours(11)); // 09:00 next day
    expect((await server.app.sweeper.sweep()).sent).toBe(1);
    const survey = await server.app.store.surveys.model.findOne({ address: 'v_night' }).lean();
    expect((await server.app.store.outbox.invitationOf(String(survey?._id)))?.status).toBe('sent');
  });

  it('rejects an invalid phone number with a clear message', async () => {
    await expect((await server.app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'sms', address: '12', trigger: 'api' })).rejects.toThrow(/not a valid phone number/);
    await expect((await server.app.businesses.get('default'))!.surveys.start({ kind: 'stars' as 'nps', channel: 'web', address: 'x', trigger: 'api' })).rejects.toThrow(/kind/);
  });
});

describe('concurrent replies to one survey', () => {
  it('apply one at a time: one score, one comment, counted once', async () => {
    const server = await buildTestServer({ SWEEP_INTERVAL: '0' });
    try {
      await (await server.app.businesses.get('default'))!.surveys.start({ kind: 'csat', channel: 'web', address: 'v_burst', trigger: 'api' });
      const now = new Date();
      const { pipeline } = (await server.app.businesses.get('default'))!;
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          pipeline.handle({ channel: 'web', address: 'v_burst', providerMessageId: `burst-${i}`, text: '5', receivedAt: now }),
        ),
      );
      expect(results.every((r) => !r.duplicate)).toBe(true);
      const survey = await server.app.store.surveys.model.findOne({ address: 'v_burst' }).lean();
      expect(survey).toMatchObject({ state: 'completed', score: 5, comment: '5', rev: 2 });
      const rollups = await allCohortCounters(server.app.db.db!, { kind: 'csat' });
      expect((['sent', 'scored', 'completed', 'commented', 'score'] as const).map((m) => sumOf(rollups, m))).toEqual([1, 1, 1, 1, 1]);
    } finally {
      await server.close();
    }
  });
});

describe('a failure while handling a reply', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let server: TestServer;
  beforeAll(async () => {
    server = await buildTestServer({ SWEEP_INTERVAL: '0' }, { now: clock.now });
  });
  afterAll(() => server.close());
  const reply = async (address: string, id: string, text: string) =>
    (await server.app.businesses.get('default'))!.pipeline.handle({ channel: 'web', address, providerMessageId: id, text, receivedAt: clock.now() });

  it('loses nothing: the retry of a message that failed before anything was stored is handled', async () => {
    await (await server.app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'web', address: 'v_fault', trigger: 'api' });
    const lookup = vi.spyOn(server.app.store.surveys, 'latest').mockRejectedValueOnce(new Error('connection reset by peer'));
    await expect(reply('v_fault', 'fault-1', '8')).rejects.toThrow('connection reset by peer');
    lookup.mockRestore();

    const retry = await reply('v_fault', 'fault-1', '8');
    expect(retry.duplicate).toBe(false);
    expect(retry.replies[0]?.text).toMatch(/make it a 10/);
    expect(await server.app.store.surveys.model.findOne({ address: 'v_fault' }).lean()).toMatchObject({ state: 'awaiting_comment', score: 8 });
  });

  it('keeps the retry a duplicate once the answer was stored, so it never counts twice', async () => {
    await (await server.app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'web', address: 'v_fault_late', trigger: 'api' });
    const count = vi.spyOn(server.app.store.rollups, 'add').mockRejectedValueOnce(new Error('connection reset by peer'));
    await expect(reply('v_fault_late', 'fault-2', '9')).rejects.toThrow('connection reset by peer');
    count.mockRestore();
    expect(await reply('v_fault_late', 'fault-2', '9')).toEqual({ duplicate: true, replies: [] });
    // The next message is the comment, not a second score.
    await reply('v_fault_late', 'fault-3', '9');
    expect(await server.app.store.surveys.model.findOne({ address: 'v_fault_late' }).lean()).toMatchObject({ state: 'completed', score: 9, comment: '9' });
  });

  it('forgets provider message ids after three days', async () => {
    await reply('v_old', 'old-1', 'hello');
    clock.advance(hours(25));
    await server.app.sweeper.sweep();
    expect(await server.app.store.inbound.model.exists({ providerMessageId: 'old-1' })).not.toBeNull();
    clock.advance(hours(48));
    await server.app.sweeper.sweep();
    expect(await server.app.store.inbound.model.exists({ providerMessageId: 'old-1' })).toBeNull();
    clock.reset();
  });
});

describe('several server instances on one database', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let a: TestServer;
  let b: Awaited<ReturnType<typeof buildServer>>;
  beforeAll(async () => {
    a = await buildTestServer({ SWEEP_INTERVAL: '0' }, { now: clock.now });
    b = await buildServer(testConfig({ SWEEP_INTERVAL: '0' }), { logLevel: 'silent', dbName: a.dbName, now: clock.now });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('send one reminder, not two, when both sweep at once', async () => {
    clock.reset();
    await (await a.app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'web', address: 'v_twice', trigger: 'api' });
    clock.advance(hours(25));
    const [ra, rb] = await Promise.all([a.app.sweeper.sweep(), b.sweeper.sweep()]);
    expect(ra.reminded + rb.reminded).toBe(1);
    expect(await a.app.store.outbox.model.countDocuments({ address: 'v_twice', purpose: 'reminder' })).toBe(1);
    expect(await a.app.store.outbox.model.countDocuments({ address: 'v_twice', state: 'sent' })).toBe(2);
  });

  it('count a score once when the same answer arrives on both at once', async () => {
    clock.reset();
    await (await a.app.businesses.get('default'))!.surveys.start({ kind: 'csat', channel: 'web', address: 'v_race', trigger: 'api' });
    const inbound = { channel: 'web' as const, address: 'v_race', text: '5', receivedAt: clock.now() };
    const [onA, onB] = [(await a.app.businesses.get('default'))!, (await b.businesses.get('default'))!];
    const results = await Promise.all([
      onA.pipeline.handle({ ...inbound, providerMessageId: 'race-1' }),
      onB.pipeline.handle({ ...inbound, providerMessageId: 'race-1' }),
    ]);
    expect(results.filter((r) => r.duplicate)).toHaveLength(1);
    expect(await countedAll(a.app.db.db!, 'scored', { kind: 'csat' })).toBe(1);
  });
});
