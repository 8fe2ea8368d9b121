import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telegramWebhookPath } from '../../src/channels/telegram/index.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { databaseUri, uniqueDbName } from '../helpers/database.js';
import { startFakeTelegram, textUpdate, type FakeTelegram } from '../helpers/fake-telegram.js';

/**
 * A stored business whose identities cannot be built as stored (here: sealed under a SECRETS_KEY the
 * deployment no longer has) answers 503 with a reason that names no secret on every route that needs
 * them, is logged once, and leaves every other business served; giving it its identities again mends it.
 */
describe('a business that cannot be served as stored', () => {
  const dbName = uniqueDbName('unservable');
  const apiKey = 'k_unservable_0123456789';
  const token = '555000777:AAG-unservable-business-bot-token';
  const secret = 'unservable-business-webhook-secret';
  const lines: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  let fake: FakeTelegram;
  let server: TestServer | undefined;
  let operatorKey = '';
  const env = (secretsKey: string) => ({
    SECRETS_KEY: secretsKey,
    API_KEY: apiKey,
    SWEEP_INTERVAL: '0',
    WEB_CHAT_ENABLED: 'true',
    TELEGRAM_BOT_TOKEN: token,
    TELEGRAM_WEBHOOK_SECRET: secret,
    TELEGRAM_API_ROOT: fake.url,
    PUBLIC_URL: 'https://bot.example.com',
  });
  const start = async (secretsKey: string) => {
    await server?.app.close();
    server = await buildTestServer(env(secretsKey), { dbName, logLevel: 'info', logStream });
    return server.app;
  };
  const telegram = (chatId: number, text: string) =>
    server!.app.inject({ method: 'POST', url: telegramWebhookPath(secret), headers: { 'x-telegram-bot-api-secret-token': secret }, payload: textUpdate({ chatId }, text) });
  const v1 = (method: 'GET' | 'POST' | 'PATCH', url: string, key: string, payload?: object) =>
    server!.app.inject({ method, url: `/api/v1${url}`, headers: { 'x-api-key': key }, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    fake = await startFakeTelegram({ token });
    await start('ab'.repeat(32));
    const made = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/api-key.ts', 'create', '--operator', '--name', 'agency'], {
      env: { PATH: process.env.PATH, MONGODB_URI: `${databaseUri().replace(/\/+$/, '')}/${dbName}`, LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(made.status, made.stderr).toBe(0);
    operatorKey = made.stdout.trim();
  }, 180_000);
  afterAll(async () => {
    await server?.app.db.dropDatabase().catch(() => {});
    await server?.app.close();
    await fake?.close();
  });

  it('answers 503 with the reason on its routes, logs it once, and keeps other businesses served', async () => {
    expect((await telegram(700_001, '/start')).statusCode).toBe(200);
    // The deployment's SECRETS_KEY is replaced: the identities sealed under the old one no longer open.
    lines.length = 0;
    const app = await start('cd'.repeat(32));
    const created = await v1('POST', '/businesses', operatorKey, { id: 'other', name: 'Other Shop', channels: { web: { enabled: true } } });
    expect(created.statusCode, created.body).toBe(201);

    for (let i = 0; i < 3; i++) {
      const update = await telegram(700_002, '/start');
      expect(update.statusCode).toBe(503);
      expect(update.json().message).toMatch(/^business default cannot be served: its channel identities do not open with SECRETS_KEY/);
    }
    const visitor = await app.inject({ method: 'POST', url: '/chat/api/visitors', payload: { kind: 'nps' } });
    expect(visitor.statusCode).toBe(503);
    const started = await v1('POST', '/surveys', apiKey, { kind: 'nps', channel: 'telegram', address: '700003' });
    expect(started.statusCode).toBe(503);
    expect(started.json()).toMatchObject({ type: 'urn:survey-bot:problem:service-unavailable', status: 503, detail: expect.stringMatching(/^business default cannot be served/) });
    // What needs no identity still answers: its settings, through which it is mended.
    expect((await v1('GET', '/business', apiKey)).statusCode).toBe(200);

    // Every other business is served, and the sweep goes on for them.
    const other = await app.inject({ method: 'POST', url: '/b/other/chat/api/visitors', payload: { kind: 'nps' } });
    expect(other.statusCode, other.body).toBe(201);
    await expect(app.sweeper.sweep()).resolves.not.toThrow();

    const reported = lines.filter((l) => l.includes('a business cannot be served as stored'));
    expect(reported).toHaveLength(1);
    expect(reported[0]).toContain('"business":"default"');
    const all = lines.join('\n');
    for (const quiet of [token, secret, apiKey, '700002', '700003']) expect(all).not.toContain(quiet);
    // The one report is the only error: the refused requests are no crash reports.
    expect(lines.filter((l) => /"level":50/.test(l))).toHaveLength(1);
  });

  it('is served again once given its identities again', async () => {
    const mended = await v1('PATCH', '/businesses/default', operatorKey, { channels: { web: { enabled: true }, telegram: { token, webhookSecret: secret } } });
    expect(mended.statusCode, mended.body).toBe(200);
    fake.reset();
    expect((await telegram(700_004, '/start')).statusCode).toBe(200);
    expect(fake.sent(700_004).length).toBeGreaterThan(0);
  });
});
