import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { TestClock } from '../helpers/clock.js';
import { countedAll } from '../helpers/counters.js';

describe('rollup counters', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await buildTestServer({ SWEEP_INTERVAL: '0' });
  });
  afterAll(() => server.close());

  it('lose no count when many first increments of one counter race', async () => {
    const key = { businessId: 'default', kind: 'nps', week: '2026-03-09', tags: ['vip'] };
    await Promise.all(Array.from({ length: 40 }, () => server.app.store.rollups.add(key, ['started', 'score'], 9)));
    const docs = await server.app.store.rollups.model.find({ week: '2026-03-09' }, { _id: 1, started: 1, scores: 1 }).lean();
    const byId = Object.fromEntries(docs.map((d) => [d._id, { started: d.started, scores: d.scores }]));
    expect(byId).toEqual({
      'default|nps|2026-03-09|all': { started: 40, scores: { 9: 40 } },
      'default|nps|2026-03-09|tag:vip': { started: 40, scores: { 9: 40 } },
    });
  });
});

describe('cohorts of a survey with context', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let server: TestServer;
  beforeAll(async () => {
    server = await buildTestServer({ WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0' }, { now: clock.now });
  });
  afterAll(() => server.close());

  it('counts the survey under its tags, channel, product, location, staff member and identity, in one write per step', async () => {
    const started = await server.app.surveys.start({
      kind: 'nps', channel: 'web', address: 'v_ctx', trigger: 'api', tags: ['vip'],
      context: { text: 'your kettle', product: 'Kettle', order: '1042', location: 'Leeds', staff: 'Ann' },
    });
    if (started.status !== 'sent') throw new Error(started.status);
    const survey = await server.app.store.surveys.byId(started.surveyId);
    expect(survey?.context).toEqual({ product: 'Kettle', order: '1042', location: 'Leeds', staff: 'Ann' });
    expect(survey?.vars.context).toBe('your kettle');
    const add = vi.spyOn(server.app.store.rollups, 'add');
    await server.app.pipeline.handle({ channel: 'web', address: 'v_ctx', providerMessageId: 'ctx-1', text: '9', receivedAt: clock.now() });
    expect(add).toHaveBeenCalledTimes(1);
    add.mockRestore();
    const docs = await server.app.store.rollups.model.find({}, { cohort: 1, sent: 1, started: 1, scores: 1, _id: 0 }).sort({ cohort: 1 }).lean();
    expect(docs).toEqual(['all', 'channel:web', 'identity:identified', 'location:Leeds', 'product:Kettle', 'staff:Ann', 'tag:vip'].map((cohort) => ({ cohort, sent: 1, started: 1, scores: { 9: 1 } })));
  });

  it('keeps a string context as the prompt wording only', async () => {
    const started = await server.app.surveys.start({ kind: 'csat', channel: 'web', address: 'v_ctx2', trigger: 'api', context: 'order 7' });
    if (started.status !== 'sent') throw new Error(started.status);
    const survey = await server.app.store.surveys.byId(started.surveyId);
    expect(survey?.context).toBeUndefined();
    expect(survey?.vars.context).toBe('order 7');
  });
});

describe('counts owed after a crash between an answer and its count', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let server: TestServer;
  beforeAll(async () => {
    server = await buildTestServer({ WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0' }, { now: clock.now });
  });
  afterAll(() => server.close());

  const scoreCount = async () => {
    return countedAll(server.app.db.db!, 'score');
  };

  it('are applied once by the sweeper, however often it runs, and then forgotten', async () => {
    const started = await server.app.surveys.start({ kind: 'nps', channel: 'web', address: 'v_crash', trigger: 'api' });
    if (started.status !== 'sent') throw new Error(started.status);
    // The answer's write happens; the process "dies" before its counter write.
    const add = vi.spyOn(server.app.store.rollups, 'add').mockRejectedValueOnce(new Error('killed'));
    await expect(server.app.pipeline.handle({ channel: 'web', address: 'v_crash', providerMessageId: 'c-1', text: '7', receivedAt: clock.now() })).rejects.toThrow('killed');
    add.mockRestore();
    expect(await scoreCount()).toBe(0);
    expect((await server.app.store.surveys.byId(started.surveyId))?.countsDue).toHaveLength(1);

    await server.app.sweeper.sweep(); // too young: its own writer may still be at it
    expect(await scoreCount()).toBe(0);
    clock.advance(61_000);
    await server.app.sweeper.sweep();
    await server.app.sweeper.sweep();
    expect(await scoreCount()).toBe(1);
    expect((await server.app.store.surveys.byId(started.surveyId))?.countsDue).toEqual([]);
    const counter = await server.app.store.rollups.model.findOne({ cohort: 'all', kind: 'nps' }).lean();
    expect(counter?.steps ?? []).toEqual([]);
  });

  it('are not added again when the writer did count them', async () => {
    await server.app.surveys.start({ kind: 'csat', channel: 'web', address: 'v_ok', trigger: 'api' });
    await server.app.pipeline.handle({ channel: 'web', address: 'v_ok', providerMessageId: 'ok-1', text: '5', receivedAt: clock.now() });
    const before = await scoreCount();
    clock.advance(61_000);
    await server.app.sweeper.sweep();
    expect(await scoreCount()).toBe(before);
  });
  it('are counted once when another instance settles them from a copy read before this one settled', async () => {
    await server.app.surveys.start({ kind: 'ces', channel: 'web', address: 'v_two', trigger: 'api' });
    await server.app.pipeline.handle({ channel: 'web', address: 'v_two', providerMessageId: 'two-1', text: '6', receivedAt: clock.now() });
    clock.advance(61_000);
    const before = await scoreCount();
    // The other instance reads what is owed, then this one settles it all (its counters forget the steps) ...
    const stale = await server.app.store.surveys.withCountsDue(new Date(clock.now().getTime() - 60_000), 200);
    expect(stale.some((s) => s.address === 'v_two')).toBe(true);
    await server.app.conversations.settleCounts();
    // ... and then the other instance goes on with its copy.
    const read = vi.spyOn(server.app.store.surveys, 'withCountsDue').mockResolvedValueOnce(stale);
    await server.app.conversations.settleCounts();
    read.mockRestore();
    expect(await scoreCount()).toBe(before);
  });
});
