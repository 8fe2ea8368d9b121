import { spawnSync } from 'node:child_process';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telegramWebhookPath } from '../../src/channels/telegram/index.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { databaseUri, uniqueDbName } from '../helpers/database.js';
import { startFakeTelegram, textUpdate, type FakeTelegram } from '../helpers/fake-telegram.js';
import { say, visitor } from './web-chat.js';

/**
 * Owners list, add and remove staff in chat and through the API; a removed person's next command is
 * refused at once, on every channel and on another instance; the last owner stays; every change is
 * recorded with who made it and when.
 */
describe('managing staff', () => {
  const dbName = uniqueDbName('staff');
  const apiKey = 'k_staff_management_0123456';
  const token = '555000777:AAG-staff-management-bot-token';
  const secret = 'staff-management-webhook-secret';
  const owner = visitor();
  const helper = visitor();
  const other = visitor();
  const chatId = 5_150_001;
  let fake: FakeTelegram;
  let one: TestServer;
  let two: TestServer;
  const env = () => ({ API_KEY: apiKey, SWEEP_INTERVAL: '0', WEB_CHAT_ENABLED: 'true', OWNER_ADDRESSES: `web:${owner}`, TELEGRAM_BOT_TOKEN: token, TELEGRAM_WEBHOOK_SECRET: secret, TELEGRAM_API_ROOT: fake.url, PUBLIC_URL: 'https://bot.example.com' });
  const api = (app: FastifyInstance, method: 'GET' | 'DELETE' | 'POST', url: string, payload?: object) =>
    app.inject({ method, url: `/api/v1${url}`, headers: { 'x-api-key': apiKey }, ...(payload ? { payload } : {}) });
  let update = 0;
  const telegram = async (app: FastifyInstance, text: string) => {
    fake.reset();
    const res = await app.inject({ method: 'POST', url: telegramWebhookPath(secret), headers: { 'x-telegram-bot-api-secret-token': secret }, payload: textUpdate({ chatId }, text, 900_000_000 + ++update) });
    expect(res.statusCode).toBe(200);
    return fake.sent(chatId).map((m) => (m as { text?: string }).text ?? '').join('\n');
  };

  beforeAll(async () => {
    fake = await startFakeTelegram({ token });
    one = await buildTestServer(env(), { dbName });
    two = await buildTestServer(env(), { dbName });
  });
  afterAll(async () => {
    await one?.app.db.dropDatabase().catch(() => {});
    await one?.app.close();
    await two?.app.close();
    await fake?.close();
  });

  it('adds staff in chat and through the API, and lists them with who added them', async () => {
    expect((await say(one.app, owner, `/staff add telegram:${chatId}`)).join(' ')).toMatch(/Added telegram:5150001 as staff/);
    expect((await api(one.app, 'POST', '/staff', { channel: 'web', address: helper })).statusCode).toBe(201);
    expect(await telegram(one.app, '/stats')).toMatch(/Last 30 days/);
    expect((await say(two.app, helper, '/stats')).join(' ')).toMatch(/Last 30 days/);

    const listed = (await say(one.app, owner, '/staff')).join('\n');
    expect(listed).toContain(`owner: web:${owner}`);
    expect(listed).toContain(`staff: telegram:${chatId}`);
    expect(listed).toMatch(new RegExp(`added staff telegram:${chatId}, by web:${owner}`));
    expect(listed).toMatch(/added staff web:v_\w+, by API key 000000000000000000000001/);

    const body = (await api(one.app, 'GET', '/staff')).json();
    expect(body.items.map((m: { role: string }) => m.role).sort()).toEqual(['owner', 'staff', 'staff']);
    expect(body.changes[0]).toMatchObject({ action: 'added', role: 'staff', channel: 'web', address: helper, by: 'API key 000000000000000000000001' });
    expect(Date.parse(body.changes[0].at)).not.toBeNaN();
  });

  it("refuses a removed person's next command at once, on every channel and instance", async () => {
    expect((await say(one.app, owner, `/staff remove telegram:${chatId}`)).join(' ')).toMatch(/Removed telegram:5150001/);
    expect(await telegram(one.app, '/stats')).toMatch(/sends short feedback surveys/); // a customer's help
    expect(await telegram(two.app, '/stats')).not.toMatch(/Last 30 days/);

    expect((await api(one.app, 'DELETE', `/staff/web/${helper}`)).statusCode).toBe(204);
    expect((await say(two.app, helper, '/stats')).join(' ')).not.toMatch(/Last 30 days/);
    expect((await say(one.app, helper, '/stats')).join(' ')).not.toMatch(/Last 30 days/);
    expect((await api(one.app, 'DELETE', `/staff/web/${helper}`)).statusCode).toBe(404);

    const changes = (await api(two.app, 'GET', '/staff')).json().changes as Array<{ action: string; address: string; by: string }>;
    expect(changes.slice(0, 2)).toMatchObject([
      { action: 'removed', address: helper, by: 'API key 000000000000000000000001' },
      { action: 'removed', address: String(chatId), by: `web:${owner}` },
    ]);
  });

  it('keeps the last owner, in chat and through the API', async () => {
    expect((await say(one.app, owner, `/staff remove web:${owner}`)).join(' ')).toMatch(/last owner and stays/);
    const refused = await api(one.app, 'DELETE', `/staff/web/${owner}`);
    expect(refused.statusCode).toBe(409);
    expect((await say(two.app, owner, '/stats')).join(' ')).toMatch(/Last 30 days/);
    // With a second owner, one of them may go.
    expect((await say(one.app, owner, `/staff add web:${other} owner`)).join(' ')).toMatch(/as owner/);
    expect((await say(one.app, other, `/staff remove web:${owner}`)).join(' ')).toMatch(/Removed/);
    expect((await say(one.app, owner, '/stats')).join(' ')).not.toMatch(/Last 30 days/);
  });

  it('does the same from the command line, with the same service', async () => {
    const cli = (...args: string[]) => {
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/staff.ts', ...args, '--business', 'default'], {
        env: { PATH: process.env.PATH, MONGODB_URI: `${databaseUri().replace(/\/+$/, '')}/${dbName}`, LOG_LEVEL: 'silent' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      return { code: run.status, out: run.stdout + run.stderr };
    };
    const added = cli('add', '--who', `telegram:${chatId}`);
    expect(added.code, added.out).toBe(0);
    expect(await telegram(one.app, '/stats')).toMatch(/Last 30 days/);
    const listed = cli('list');
    expect(listed.out).toContain(`owner: web:${other}`);
    expect(listed.out).toMatch(new RegExp(`added staff telegram:${chatId}, by the command line`));
    expect(cli('remove', '--who', `telegram:${chatId}`).code).toBe(0);
    expect(await telegram(two.app, '/stats')).not.toMatch(/Last 30 days/);
    const last = cli('remove', '--who', `web:${other}`);
    expect(last.code).toBe(1);
    expect(last.out).toMatch(/last owner and stays/);
  }, 120_000);
});
