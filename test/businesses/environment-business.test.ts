import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telegramWebhookPath } from '../../src/channels/telegram/index.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { uniqueDbName } from '../helpers/database.js';
import { startFakeTelegram, textUpdate, type FakeTelegram } from '../helpers/fake-telegram.js';

/**
 * The business the environment describes is a stored business like any other: written at start with
 * its identities sealed, changed through the API, and written over again only when the environment
 * itself changes. An upgrade from data of the versions that special-cased it keeps everything.
 */
describe("the environment's business", () => {
  const dbName = uniqueDbName('envbiz');
  const apiKey = 'k_env_business_0123456789';
  const token = '555000666:AAG-environment-business-bot-token';
  const secret = 'environment-business-webhook-secret';
  let fake: FakeTelegram;
  let server: TestServer | undefined;
  const env = (more: Record<string, string | undefined> = {}) => ({
    SECRETS_KEY: 'ab'.repeat(32),
    API_KEY: apiKey,
    BUSINESS_NAME: 'Env Shop',
    SWEEP_INTERVAL: '0',
    TELEGRAM_BOT_TOKEN: token,
    TELEGRAM_WEBHOOK_SECRET: secret,
    TELEGRAM_API_ROOT: fake.url,
    PUBLIC_URL: 'https://bot.example.com',
    ...more,
  });
  const start = async (more?: Record<string, string | undefined>) => {
    await server?.app.close();
    server = await buildTestServer(env(more), { dbName });
    return server.app;
  };
  const api = (method: 'GET' | 'PATCH' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
    server!.app.inject({ method, url: `/api/v1${url}`, headers: { 'x-api-key': apiKey }, ...(payload !== undefined ? { payload: payload as object } : {}) });

  beforeAll(async () => {
    fake = await startFakeTelegram({ token });
  });
  afterAll(async () => {
    await server?.app.db.dropDatabase().catch(() => {});
    await server?.app.close();
    await fake?.close();
  });

  it('is written at start as a stored business, its bot token sealed', async () => {
    const app = await start();
    const raw = await app.store.businesses.model.findOne({ _id: 'default' }).lean<Record<string, unknown>>();
    expect(raw).toMatchObject({ name: 'Env Shop', channelNames: ['web', 'telegram'] });
    expect(typeof raw?.channelsSealed).toBe('string');
    expect(JSON.stringify(raw)).not.toContain(token);
    expect(JSON.stringify(raw)).not.toContain(secret);
  });

  it('is changed through the API like any other, and the change stands across a restart', async () => {
    const changed = await api('PATCH', '/business', { name: 'Renamed Shop', timeZone: 'Europe/Madrid', sendWindow: '10:00-18:00' });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ id: 'default', name: 'Renamed Shop', timeZone: 'Europe/Madrid', sendWindow: '10:00-18:00', routes: '/b/default/' });
    await server!.app.sweeper.sweep();
    expect((await server!.app.businesses.get('default'))!.settings).toMatchObject({ name: 'Renamed Shop', timeZone: 'Europe/Madrid' });
    await start();
    expect((await api('GET', '/business')).json()).toMatchObject({ name: 'Renamed Shop', timeZone: 'Europe/Madrid', sendWindow: '10:00-18:00' });
  });

  it('is written over by the environment when the environment changes', async () => {
    await start({ BUSINESS_NAME: 'Env Shop Two' });
    expect((await api('GET', '/business')).json()).toMatchObject({ name: 'Env Shop Two', timeZone: 'UTC', sendWindow: '09:00-20:00' });
  });

  it('keeps its surveys, keys and channels after an upgrade from data that had no stored identities', async () => {
    let app = server!.app;
    const key = (await api('POST', '/api-keys', { name: 'integration', scopes: ['surveys:read', 'surveys:write'] })).json().key as string;
    const started = await api('POST', '/surveys', { kind: 'nps', channel: 'telegram', address: '777001' });
    expect(started.statusCode, started.body).toBe(201);
    const surveyId = started.json().surveyId as string;
    // As the versions that read the first business from the environment left it.
    await app.store.businesses.model.updateOne({ _id: 'default' }, { $unset: { channelsSealed: 1, environmentDigest: 1, channelNames: 1 } });
    app = await start({ BUSINESS_NAME: 'Env Shop Two' });
    const read = await app.inject({ method: 'GET', url: `/api/v1/surveys/${surveyId}`, headers: { 'x-api-key': key } });
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json()).toMatchObject({ id: surveyId, channel: 'telegram' });
    fake.reset();
    const answered = await app.inject({
      method: 'POST',
      url: telegramWebhookPath(secret),
      headers: { 'x-telegram-bot-api-secret-token': secret },
      payload: textUpdate({ chatId: 777001 }, '9'),
    });
    expect(answered.statusCode).toBe(200);
    expect((await app.store.surveys.byId(surveyId))?.score).toBe(9);
    expect(fake.sent(777001).length).toBeGreaterThan(0);
  });

  it('answers under /b/default/ as under the un-prefixed paths', async () => {
    const app = server!.app;
    const visitor = await app.inject({ method: 'POST', url: '/b/default/chat/api/visitors', payload: { kind: 'nps' } });
    expect(visitor.statusCode, visitor.body).toBe(201);
    const id = visitor.json().visitorId as string;
    // The chat is one chat on both paths: answered on the un-prefixed one, its transcript holds the business's question.
    expect((await app.inject({ method: 'POST', url: `/chat/api/visitors/${id}/messages`, payload: { messageId: 'm1', text: '8' } })).statusCode).toBe(200);
    const lines = (await app.inject({ method: 'GET', url: `/b/default/chat/api/visitors/${id}/messages` })).json().messages as Array<{ text: string }>;
    expect(lines.map((l) => l.text).join(' ')).toContain('Env Shop Two');
    fake.reset();
    const update = await app.inject({ method: 'POST', url: `/b/default${telegramWebhookPath(secret)}`, headers: { 'x-telegram-bot-api-secret-token': secret }, payload: textUpdate({ chatId: 777002 }, '/start') });
    expect(update.statusCode).toBe(200);
    expect(fake.sent(777002).length).toBeGreaterThan(0);
    expect((await app.inject({ method: 'POST', url: '/b/defaultx/chat/api/visitors', payload: { kind: 'nps' } })).statusCode).toBe(404);
  });

  it('has API_KEY as a stored key of its own: listed, hashed, revoked through the API, replaced and revoked by the environment', async () => {
    const get = (key: string) => server!.app.inject({ method: 'GET', url: '/api/v1/business', headers: { 'x-api-key': key } });
    const listed = await api('GET', '/api-keys');
    const own = (listed.json().items as Array<{ id: string; name: string; scopes: string[]; revokedAt: unknown }>).find((k) => k.name === 'API_KEY');
    expect(own).toMatchObject({ scopes: ['surveys:write', 'surveys:read', 'export', 'admin'], revokedAt: null });
    const raw = await server!.app.store.apiKeys.model.findOne({ _id: own!.id }).lean<Record<string, unknown>>();
    expect(raw).toMatchObject({ businessId: 'default', name: 'API_KEY' });
    expect(JSON.stringify(raw)).not.toContain(apiKey);
    // Revoked through the API like any key: refused at once, and still after a restart with the same API_KEY.
    expect((await api('DELETE', `/api-keys/${own!.id}`)).statusCode).toBe(200);
    expect((await get(apiKey)).statusCode).toBe(401);
    await start({ BUSINESS_NAME: 'Env Shop Two' });
    expect((await get(apiKey)).statusCode).toBe(401);
    // A new API_KEY replaces the old one under the same id.
    const next = 'k_env_business_replaced_9876543210';
    await start({ BUSINESS_NAME: 'Env Shop Two', API_KEY: next });
    expect((await get(next)).statusCode).toBe(200);
    expect((await get(apiKey)).statusCode).toBe(401);
    const keys = (await server!.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: { 'x-api-key': next } })).json().items as Array<{ id: string; name: string }>;
    expect(keys.filter((k) => k.name === 'API_KEY').map((k) => k.id)).toEqual([own!.id]);
    // Unset: revoked.
    await start({ BUSINESS_NAME: 'Env Shop Two', API_KEY: undefined });
    expect((await get(next)).statusCode).toBe(401);
  });
});

