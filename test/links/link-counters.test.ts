import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { TestClock } from '../helpers/clock.js';
import { collectionOf, recordCommands } from '../helpers/commands.js';

const key = 'k_link_counters_0123456789ab';

describe("a survey link's counters", () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let server: TestServer;
  let commands: Array<{ name: string; collection: string }> = [];
  beforeAll(async () => {
    server = await buildTestServer({ WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0', API_KEY: key, THROTTLE_DAYS: '0' }, { now: clock.now, monitorCommands: true });
    commands = recordCommands(server.app, (e) => ({ name: e.commandName, collection: collectionOf(e) }));
  });
  afterAll(() => server?.close());

  const api = (method: 'GET' | 'POST', url: string, payload?: object) => server.app.inject({ method, url: `/api/v1${url}`, headers: { 'x-api-key': key }, ...(payload ? { payload } : {}) });
  const numbers = async (code: string) => (await api('GET', `/links/${code}`)).json().numbers;

  it('counts an opening with one read and one $inc on the link, stores no survey, and does not count a HEAD request', async () => {
    const { code } = (await api('POST', '/links', { kind: 'nps', location: 'Dock 4' })).json();
    await server.app.inject(`/s/${code}`); // the business is served from the directory after this
    commands.length = 0;
    expect((await server.app.inject(`/s/${code}`)).statusCode).toBe(200);
    expect(commands).toEqual([
      { name: 'find', collection: 'survey_links' },
      { name: 'update', collection: 'survey_links' },
    ]);
    expect((await server.app.inject({ method: 'HEAD', url: `/s/${code}` })).statusCode).toBe(200);
    expect(await numbers(code)).toMatchObject({ opened: 2, started: 0 });
    expect(await server.app.store.surveys.model.countDocuments({})).toBe(0);
  });

  it("keeps a link's numbers when its week is counted again from the surveys (the counters are derived)", async () => {
    const { code } = (await api('POST', '/links', { kind: 'csat', staff: 'Noor' })).json();
    for (const [i, score] of ['5', '2', '4'].entries()) {
      const { visitorId } = (await server.app.inject({ method: 'POST', url: '/chat/api/visitors', payload: { link: code } })).json();
      await server.app.inject({ method: 'POST', url: `/chat/api/visitors/${visitorId}/messages`, payload: { messageId: `s${i}`, text: score } });
    }
    const before = await numbers(code);
    expect(before).toMatchObject({ started: 3, answered: 3, averageScore: 3.7 });
    await server.app.store.rollups.model.deleteMany({ cohort: `link:${code}` });
    expect(await numbers(code)).toMatchObject({ started: 0, answered: 0 });
    await server.app.store.rollups.recount('default', '2026-03-09', false);
    expect(await numbers(code)).toEqual(before);
  });
});
