import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../helpers/build.js';

/** Every address is checked for its channel before anything is stored. */
describe('survey addresses per channel', () => {
  const apiKey = 'a'.repeat(32);
  let server: TestServer;
  beforeAll(async () => {
    server = await buildTestServer({ WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0', API_KEY: apiKey });
  });
  afterAll(() => server?.close());

  const create = (channel: string, address: string) =>
    server.app.inject({ method: 'POST', url: '/api/v1/surveys', headers: { 'x-api-key': apiKey }, payload: { kind: 'nps', channel, address } });

  it.each([
    ['web', 'v_'.padEnd(1_000_000, 'x'), /at most 200 characters/],
    ['web', 'hello world', /web chat visitor id/],
    ['telegram', 'abc', /Telegram chat id/],
    ['teams', 'has spaces in it', /Teams user/],
    ['sms', '555', /not a valid phone number/],
  ])('%s %#: 400 with the reason, nothing stored', async (channel, address, reason) => {
    const res = await create(channel, address);
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(reason);
    expect(await server.app.store.customers.model.countDocuments({})).toBe(0);
    expect(await server.app.store.surveys.model.countDocuments({})).toBe(0);
  });

  it('takes a well-formed address of a channel the business sends on, and refuses one of a channel it does not', async () => {
    expect((await create('web', `v_${'0'.repeat(32)}`)).statusCode).toBeLessThan(300);
    const telegram = await create('telegram', '123456789');
    expect(telegram.statusCode).toBe(400);
    expect(telegram.json().detail).toBe('channel: telegram is not enabled for this business');
    expect(await server.app.store.customers.model.countDocuments({ channel: 'telegram' })).toBe(0);
  });
});
