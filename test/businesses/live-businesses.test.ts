import { spawnSync } from 'node:child_process';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telegramWebhookPath } from '../../src/channels/telegram/index.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { TestClock } from '../helpers/clock.js';
import { databaseUri, uniqueDbName } from '../helpers/database.js';
import { installActivity, messageActivity, startFakeBotConnector, teamsUser, type FakeBotConnector } from '../helpers/fake-bot-connector.js';
import { startFakeTelegram, textUpdate, nextUpdateId, type FakeTelegram } from '../helpers/fake-telegram.js';
import { newSid, startFakeTwilio, type FakeTwilio } from '../helpers/fake-twilio.js';
import { startProviderRouter, type ProviderRouter } from '../helpers/provider-router.js';
import { visitor } from '../staff/web-chat.js';

/**
 * A business created through the operator API while two instances run on one database: served at
 * once by the instance that made it, by the other within BUSINESS_REFRESH, on every channel, with its
 * own provider identities; changed and disabled the same way. No restart anywhere.
 */
describe('a business created, changed and disabled while the server runs', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  const dbName = uniqueDbName('live');
  const publicUrl = 'https://bot.example.com';
  const refreshMs = 1_000;
  const bot = { token: '555000444:AAG-live-business-bot-token-xyz', secret: 'live-business-webhook-secret' };
  const twilio = { accountSid: `AC${'4'.repeat(32)}`, authToken: 'live-business-twilio-auth-token', from: '+15005550009' };
  const envKey = 'environment-business-key-0123456789';
  let telegram: FakeTelegram;
  let sms: FakeTwilio;
  let connector: FakeBotConnector;
  let router: ProviderRouter;
  let a: TestServer;
  let b: TestServer;
  let operatorKey = '';
  let claimCode = '';
  const owner = visitor();

  const env = {
    SECRETS_KEY: 'ef'.repeat(32),
    WEB_CHAT_ENABLED: 'true',
    SWEEP_INTERVAL: '0',
    BUSINESS_REFRESH: `${refreshMs}ms`,
    PUBLIC_URL: publicUrl,
    TELEGRAM_API_ROOT: '',
    TWILIO_API_BASE_URL: '',
    TEAMS_AUTH_DISABLED: 'true',
    API_KEY: envKey,
  };

  beforeAll(async () => {
    telegram = await startFakeTelegram({ token: bot.token });
    sms = await startFakeTwilio({ ...twilio, publicUrl: `${publicUrl}/b/live` });
    connector = await startFakeBotConnector();
    router = await startProviderRouter();
    router.route(bot.token, telegram.url);
    router.route(twilio.accountSid, sms.baseUrl);
    const routed = { ...env, TELEGRAM_API_ROOT: router.url, TWILIO_API_BASE_URL: router.url };
    a = await buildTestServer(routed, { now: clock.now, dbName });
    b = await buildTestServer(routed, { now: clock.now, dbName });
    // The operator key is made as an operator makes it: with the command line, on the same database.
    const made = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/api-key.ts', 'create', '--operator', '--name', 'agency'], {
      env: { PATH: process.env.PATH, MONGODB_URI: `${databaseUri().replace(/\/+$/, '')}/${dbName}`, LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(made.status, made.stderr).toBe(0);
    operatorKey = made.stdout.trim();
  }, 180_000);
  afterAll(async () => {
    await a?.app.db.dropDatabase().catch(() => {});
    await b?.close();
    await a?.close();
    await telegram?.close();
    await sms?.close();
    await connector?.close();
    await router?.close();
  });

  const operator = (app: FastifyInstance, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, key = operatorKey) =>
    app.inject({ method, url: `/api/v1${url}`, headers: { 'x-api-key': key }, ...(payload ? { payload } : {}) });
  const chat = (app: FastifyInstance) => ({
    start: (kind = 'nps') => app.inject({ method: 'POST', url: '/b/live/chat/api/visitors', payload: { kind } }),
    say: async (address: string, text: string) => {
      const res = await app.inject({ method: 'POST', url: `/b/live/chat/api/visitors/${address}/messages`, payload: { messageId: `m${Math.random()}`, text } });
      expect(res.statusCode, res.body).toBe(200);
      return (res.json().replies as Array<{ text: string }>).map((r) => r.text).join('\n');
    },
  });
  const telegramPost = (app: FastifyInstance, chatId: number, text: string) =>
    app.inject({ method: 'POST', url: `/b/live${telegramWebhookPath(bot.secret)}`, headers: { 'x-telegram-bot-api-secret-token': bot.secret }, payload: textUpdate({ chatId }, text, nextUpdateId()) });
  const survey = (address: string) => a.app.store.surveys.model.findOne({ businessId: 'live', address }).sort({ _id: -1 }).lean();
  /** Poll until `check` holds, at most `limitMs`; returns how long it took. */
  const within = async (limitMs: number, check: () => Promise<boolean>) => {
    const started = Date.now();
    while (!(await check())) {
      if (Date.now() - started > limitMs) throw new Error(`not within ${limitMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return Date.now() - started;
  };

  it('creates a business through the operator API, refused to business keys, and tells Telegram its webhook', async () => {
    const input = {
      id: 'live',
      name: 'Live Bakery',
      throttleDays: 0,
      sendWindow: '00:00-24:00',
      channels: {
        web: { enabled: true },
        telegram: { token: bot.token, webhookSecret: bot.secret },
        sms: { ...twilio, ratePerSecond: 100 },
        teams: { appId: 'live-teams-app', appPassword: 'live-teams-app-password', appType: 'MultiTenant' },
      },
    };
    expect((await chat(a.app).start()).statusCode).toBe(404);
    // A business's key (every scope) reaches no operator route; the operator key no business route.
    expect((await operator(a.app, 'POST', '/businesses', input, envKey)).statusCode).toBe(403);
    expect((await operator(a.app, 'GET', '/businesses', undefined, envKey)).statusCode).toBe(403);
    expect((await operator(a.app, 'GET', '/business')).statusCode).toBe(403);
    // Provider endpoints are the deployment's: refused with the reason.
    const endpoint = await operator(a.app, 'POST', '/businesses', { ...input, channels: { ...input.channels, telegram: { ...input.channels.telegram, apiRoot: 'http://127.0.0.1:1/' } } });
    expect(endpoint.statusCode).toBe(400);
    expect(endpoint.body).toContain('apiRoot is not a business setting');

    const created = await operator(a.app, 'POST', '/businesses', input);
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().business).toMatchObject({ id: 'live', name: 'Live Bakery', routes: '/b/live/', disabled: false });
    expect(created.body).not.toContain(bot.token);
    claimCode = created.json().claimCode;
    expect(claimCode).toMatch(/^[A-Za-z]{10}$/);
    expect((await operator(a.app, 'POST', '/businesses', input)).statusCode).toBe(409);
    expect((await operator(a.app, 'GET', '/businesses')).json().items.map((i: { id: string }) => i.id)).toEqual(['default', 'live']);
    const hook = await within(5_000, async () => telegram.calls.some((c) => c.method === 'setWebhook'));
    expect(hook).toBeLessThan(5_000);
    expect(telegram.calls.find((c) => c.method === 'setWebhook')!.payload).toMatchObject({ url: `${publicUrl}/b/live${telegramWebhookPath(bot.secret)}`, secret_token: bot.secret });
  });

  it('serves it at once on the instance that made it, on every channel', async () => {
    const web = chat(a.app);
    expect((await web.say(owner, `/claim ${claimCode}`)).toLowerCase()).toContain('owner');
    // SMS, signed with its own auth token, through its own number.
    const phone = '+14155550188';
    expect(await web.say(owner, `/survey nps sms:${phone}`)).toMatch(/sent/i);
    expect(sms.messages.map((m) => [m.to, m.from])).toEqual([[phone, twilio.from]]);
    expect((await sms.receive(a.app, { from: phone, body: '9', to: twilio.from })).statusCode).toBe(200);
    expect((await sms.receive(a.app, { from: phone, body: 'fresh bread, kind staff', to: twilio.from })).statusCode).toBe(200);
    expect(await survey(phone)).toMatchObject({ score: 9, state: 'completed' });
    const forged = await a.app.inject({ method: 'POST', url: '/b/live/webhooks/twilio/sms', headers: { 'x-twilio-signature': 'forged', 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ MessageSid: newSid('SM'), From: phone, Body: '1' }).toString() });
    expect(forged.statusCode).toBe(403);
    // Telegram, its own bot.
    expect(await web.say(owner, '/survey nps telegram:4343')).toMatch(/sent/i);
    expect(telegram.sent(4343)).toHaveLength(1);
    expect((await telegramPost(a.app, 4343, '8')).statusCode).toBe(200);
    expect((await telegramPost(a.app, 4343, 'quick and friendly')).statusCode).toBe(200);
    expect(await survey('4343')).toMatchObject({ score: 8, state: 'completed' });
    // Teams, its own app.
    const user = teamsUser('Ada Lovelace');
    const teams = (activity: object) => a.app.inject({ method: 'POST', url: '/b/live/api/messages', payload: activity });
    expect((await teams(installActivity({ user, serviceUrl: connector.serviceUrl }))).statusCode).toBe(200);
    expect(await web.say(owner, `/survey nps teams:${user.aadObjectId}`)).toMatch(/sent/i);
    expect((await teams(messageActivity('7', { user, serviceUrl: connector.serviceUrl, id: '1700000000301' }))).statusCode).toBe(200);
    expect((await teams(messageActivity('more pastries please', { user, serviceUrl: connector.serviceUrl, id: '1700000000302' }))).statusCode).toBe(200);
    expect(await survey(user.aadObjectId)).toMatchObject({ score: 7, state: 'completed' });
    // The web chat.
    const opened = await web.start();
    expect(opened.statusCode).toBe(201);
    const customer = opened.json().visitorId as string;
    await web.say(customer, '10');
    await web.say(customer, 'the best croissants');
    expect(await survey(customer)).toMatchObject({ score: 10, state: 'completed', comment: 'the best croissants' });
  });

  it('serves it on the second instance within the refresh bound, without a restart', async () => {
    const took = await within(refreshMs + 4_000, async () => (await chat(b.app).start()).statusCode === 201);
    console.log(`second instance: business served ${took} ms after its creation was checked for (bound ${refreshMs} ms + one read)`);
    expect((await telegramPost(b.app, 4444, '/start')).statusCode).toBe(200);
  });

  it('applies a changed time zone and send window at once, and on the other instance within the bound', async () => {
    // 15:00 UTC is midnight in Tokyo: outside 09:00-18:00 there, so a new invitation waits.
    const changed = await operator(a.app, 'PATCH', '/businesses/live', { timeZone: 'Asia/Tokyo', sendWindow: '09:00-18:00' });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ timeZone: 'Asia/Tokyo', sendWindow: '09:00-18:00' });
    const web = chat(a.app);
    const phone = '+14155550166';
    await web.say(owner, `/survey csat sms:${phone}`);
    expect(sms.messages.filter((m) => m.to === phone)).toEqual([]);
    const outbox = await a.app.store.outbox.model.findOne({ businessId: 'live', address: phone }).lean();
    expect(new Date(outbox!.nextAttemptAt as Date).toISOString()).toBe('2026-03-11T00:00:00.000Z'); // 09:00 in Tokyo
    // The other instance holds its invitations to the new window as well, within the bound.
    let n = 0;
    await within(refreshMs + 4_000, async () => {
      const other = `+1415555021${n++}`;
      await chat(b.app).say(owner, `/survey csat sms:${other}`);
      return sms.messages.every((m) => m.to !== other);
    });
  });

  it('answers 404 on every route of a disabled business, here at once and there within the bound', async () => {
    // Its own API key (as `npm run api-key -- create --business live` makes one), used on both instances first.
    const { key } = await a.app.store.apiKeys.create({ businessId: 'live', name: 'shop', scopes: ['surveys:read'] });
    const ownApi = (app: FastifyInstance) => operator(app, 'GET', '/surveys?limit=1', undefined, key);
    for (const app of [a.app, b.app]) expect((await ownApi(app)).statusCode).toBe(200);
    const disabled = await operator(a.app, 'PATCH', '/businesses/live', { disabled: true });
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json().disabled).toBe(true);
    const routes = (app: FastifyInstance) => [
      () => chat(app).start(),
      () => app.inject({ method: 'GET', url: '/b/live/chat' }),
      () => sms.receive(app, { from: '+14155550177', body: '5', to: twilio.from }),
      () => telegramPost(app, 4545, '/start'),
      () => app.inject({ method: 'POST', url: '/b/live/api/messages', payload: messageActivity('5', { user: teamsUser('Lin'), serviceUrl: connector.serviceUrl }) }),
    ];
    for (const route of routes(a.app)) expect((await route()).statusCode).toBe(404);
    // Its keys are refused like unknown ones, at once here as its routes are (not after the keys' own cache).
    expect((await ownApi(a.app)).statusCode).toBe(401);
    await within(refreshMs + 4_000, async () => (await chat(b.app).start()).statusCode === 404);
    for (const route of routes(b.app)) expect((await route()).statusCode).toBe(404);
    expect((await ownApi(b.app)).statusCode).toBe(401);
    // Deleted only once disabled; its surveys stay.
    expect((await operator(a.app, 'DELETE', '/businesses/live')).statusCode).toBe(204);
    expect((await operator(a.app, 'GET', '/businesses/live')).statusCode).toBe(404);
    expect(await survey(customerOfSms())).toMatchObject({ score: 9 });
  });

  const customerOfSms = () => '+14155550188';
});
