import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { databaseUri } from '../helpers/database.js';
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
    await Promise.all(Array.from({ length: 40 }, () => server.app.store.rollups.add(key, ['scored', 'score'], 9)));
    const docs = await server.app.store.rollups.model.find({ week: '2026-03-09' }, { _id: 1, scored: 1, scores: 1 }).lean();
    const byId = Object.fromEntries(docs.map((d) => [d._id, { scored: d.scored, scores: d.scores }]));
    expect(byId).toEqual({
      'default|nps|2026-03-09|all': { scored: 40, scores: { 9: 40 } },
      'default|nps|2026-03-09|tag:vip': { scored: 40, scores: { 9: 40 } },
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
    const started = await (await server.app.businesses.get('default'))!.surveys.start({
      kind: 'nps', channel: 'web', address: 'v_ctx', trigger: 'api', tags: ['vip'],
      context: { text: 'your kettle', product: 'Kettle', order: '1042', location: 'Leeds', staff: 'Ann' },
    });
    if (started.status !== 'sent') throw new Error(started.status);
    const survey = await server.app.store.surveys.byId(started.surveyId);
    expect(survey?.context).toEqual({ product: 'Kettle', order: '1042', location: 'Leeds', staff: 'Ann' });
    expect(survey?.vars.context).toBe('your kettle');
    const add = vi.spyOn(server.app.store.rollups, 'add');
    await (await server.app.businesses.get('default'))!.pipeline.handle({ channel: 'web', address: 'v_ctx', providerMessageId: 'ctx-1', text: '9', receivedAt: clock.now() });
    expect(add).toHaveBeenCalledTimes(1);
    add.mockRestore();
    const docs = await server.app.store.rollups.model.find({}, { cohort: 1, sent: 1, scored: 1, scores: 1, _id: 0 }).sort({ cohort: 1 }).lean();
    expect(docs).toEqual(['all', 'channel:web', 'identity:identified', 'location:Leeds', 'product:Kettle', 'staff:Ann', 'tag:vip'].map((cohort) => ({ cohort, sent: 1, scored: 1, scores: { 9: 1 } })));
  });

  it('keeps a string context as the prompt wording only', async () => {
    const started = await (await server.app.businesses.get('default'))!.surveys.start({ kind: 'csat', channel: 'web', address: 'v_ctx2', trigger: 'api', context: 'order 7' });
    if (started.status !== 'sent') throw new Error(started.status);
    const survey = await server.app.store.surveys.byId(started.surveyId);
    expect(survey?.context).toBeUndefined();
    expect(survey?.vars.context).toBe('order 7');
  });
});

describe('counters derived from the surveys', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let server: TestServer;
  let uri: string;
  beforeAll(async () => {
    server = await buildTestServer({ WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0' }, { now: clock.now });
    uri = `${databaseUri().replace(/\/$/, '')}/${server.dbName}`;
  });
  afterAll(() => server.close());

  const db = () => server.app.db.db!;
  const week = '2026-03-09';
  const counters = async () => (await server.app.store.rollups.model.find({ week }, { _id: 1, sent: 1, scored: 1, completed: 1, commented: 1, unscored: 1, scores: 1 }).sort({ _id: 1 }).lean()).map((d) => ({ ...d, scores: Object.fromEntries(Object.entries((d.scores ?? {}) as Record<string, number>).filter(([, n]) => n > 0)) }));
  const say = async (address: string, id: string, text: string) => (await server.app.businesses.get('default'))!.pipeline.handle({ channel: 'web', address, providerMessageId: id, text, receivedAt: clock.now() });
  const rebuild = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/counters.ts', 'rebuild', ...args], { env: { PATH: process.env.PATH, MONGODB_URI: uri, LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 });

  it('equal a recount from the surveys after every kind of step, so rebuilding changes nothing', async () => {
    const start = async (address: string, extra: Record<string, unknown> = {}) => (await server.app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'web', address, trigger: 'api', ...extra });
    await start('v_d1', { tags: ['vip'], context: { product: 'Kettle', location: 'Leeds' } });
    await say('v_d1', 'd1-1', '3');
    await say('v_d1', 'd1-2', 'It leaked');
    await start('v_d2', { tags: ['vip'] });
    await say('v_d2', 'd2-1', '10');
    await say('v_d2', 'd2-2', 'SKIP');
    await start('v_d3');
    await say('v_d3', 'd3-1', 'STOP');
    await start('v_d4');
    await say('v_d4', 'd4-1', '8'); // left awaiting its comment
    await start('v_d5'); // never answered
    const counted = await counters();
    expect(counted.find((c) => c._id === `default|nps|${week}|all`)).toMatchObject({ sent: 5, scored: 3, completed: 2, commented: 1, unscored: 1, scores: { 3: 1, 8: 1, 10: 1 } });
    const res = rebuild('--from', '2026-03-12');
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/^2026-03-09\t\d+ counters\n$/);
    expect(await counters()).toEqual(counted);
  });

  it('count an answer a crash cut off from its count when its week closes, once', async () => {
    const started = await (await server.app.businesses.get('default'))!.surveys.start({ kind: 'ces', channel: 'web', address: 'v_crash', trigger: 'api' });
    if (started.status !== 'sent') throw new Error(started.status);
    const before = await countedAll(db(), 'score', { kind: 'ces' });
    // The answer's write happens; the process "dies" before its counter write.
    const add = vi.spyOn(server.app.store.rollups, 'add').mockRejectedValueOnce(new Error('killed'));
    await expect(say('v_crash', 'c-1', '6')).rejects.toThrow('killed');
    add.mockRestore();
    // The provider's retry is recognised: nothing changes, nothing is counted.
    await say('v_crash', 'c-1', '6');
    await server.app.sweeper.sweep();
    expect(await countedAll(db(), 'score', { kind: 'ces' })).toBe(before);
    // The week is over once its last survey has expired: the sweeper recounts it from the surveys.
    clock.advance(16 * 86_400_000);
    const first = await server.app.sweeper.sweep();
    expect(first.weeksClosed).toBeGreaterThan(0);
    await server.app.sweeper.sweep();
    expect(await countedAll(db(), 'score', { kind: 'ces' })).toBe(before + 1);
    expect(await server.app.store.rollups.model.countDocuments({ week, open: true })).toBe(0);
  });

  it('count a new survey whose count a crash cut off after its insert, though its retry starts nothing', async () => {
    const thisWeek = '2026-03-23';
    expect(clock.now().toISOString().slice(0, 10)).toBe('2026-03-26');
    const add = vi.spyOn(server.app.store.rollups, 'add').mockRejectedValueOnce(new Error('killed'));
    await expect((await server.app.businesses.get('default'))!.surveys.start({ kind: 'csat', channel: 'web', address: 'v_sent', trigger: 'api' })).rejects.toThrow('killed');
    add.mockRestore();
    // The retry starts nothing and counts nothing (the customer was marked surveyed before the crash).
    const retried = await (await server.app.businesses.get('default'))!.surveys.start({ kind: 'csat', channel: 'web', address: 'v_sent', trigger: 'api' });
    expect(['already_open', 'throttled']).toContain(retried.status);
    expect(await countedAll(db(), 'sent', { week: thisWeek })).toBe(0);
    clock.advance(16 * 86_400_000);
    await server.app.sweeper.sweep();
    await server.app.sweeper.sweep();
    expect(await countedAll(db(), 'sent', { week: thisWeek })).toBe(1);
  });

  it('recount a closed week again when a late increment reaches it', async () => {
    const key = { businessId: 'default', kind: 'nps', week, tags: [] };
    const all = `default|nps|${week}|all`;
    const closed = (await counters()).find((c) => c._id === all);
    await server.app.store.rollups.add(key, ['sent']);
    expect((await counters()).find((c) => c._id === all)?.sent).toBe((closed?.sent ?? 0) + 1);
    await server.app.sweeper.sweep();
    expect((await counters()).find((c) => c._id === all)).toEqual(closed);
  });

  it('refuses a rebuild without a date, with the usage', () => {
    const res = rebuild('--from', 'March');
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/usage: npm run counters/);
  });
});
