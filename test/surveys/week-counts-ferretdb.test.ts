import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { TestClock } from '../helpers/clock.js';
import { countedAll } from '../helpers/counters.js';
import { ferretDbUri } from '../helpers/database.js';

/** `npm start` runs on FerretDB: a week's recount (its `$match` + `$group`, the close) works there too. */
describe('counters on FerretDB', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let server: TestServer;
  beforeAll(async () => {
    server = await buildTestServer({ MONGODB_URI: ferretDbUri(), WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0' }, { now: clock.now });
  });
  afterAll(() => server?.close());

  it('count an answer a crash cut off from its count when the week closes', async () => {
    const { app } = server;
    expect(app.store.server).toBe('ferretdb');
    const say = async (address: string, id: string, text: string) => (await app.businesses.get('default'))!.pipeline.handle({ channel: 'web', address, providerMessageId: id, text, receivedAt: clock.now() });
    await (await app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'web', address: 'v_f1', trigger: 'api', tags: ['vip'] });
    await say('v_f1', 'f1-1', '4');
    await say('v_f1', 'f1-2', 'Too slow');
    await (await app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'web', address: 'v_f2', trigger: 'api' });
    const add = vi.spyOn(app.store.rollups, 'add').mockRejectedValueOnce(new Error('killed'));
    await expect(say('v_f2', 'f2-1', '9')).rejects.toThrow('killed');
    add.mockRestore();
    const db = app.db.db!;
    expect(await countedAll(db, 'score')).toBe(1);
    clock.advance(16 * 86_400_000);
    await app.sweeper.sweep();
    expect({ sent: await countedAll(db, 'sent'), score: await countedAll(db, 'score'), completed: await countedAll(db, 'completed'), commented: await countedAll(db, 'commented') }).toEqual({ sent: 2, score: 2, completed: 2, commented: 1 });
    const vip = await app.store.rollups.read('default', { from: '2026-03-09', to: '2026-03-09' }, { cohortPrefix: 'tag:' });
    expect(vip.find((r) => r.cohort === 'tag:vip')).toMatchObject({ sent: 1, scored: 1, commented: 1, scores: { 4: 1 } });
  });
});
