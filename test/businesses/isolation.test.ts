import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessInput, toStored } from '../../src/businesses/settings.js';
import { telegramWebhookPath } from '../../src/channels/telegram/index.js';
import { uniqueDbName } from '../helpers/database.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { TestClock } from '../helpers/clock.js';
import { startFakeTelegram, textUpdate, nextUpdateId, type FakeTelegram } from '../helpers/fake-telegram.js';
import { newSid, startFakeTwilio, type FakeTwilio } from '../helpers/fake-twilio.js';
import { startProviderRouter, type ProviderRouter } from '../helpers/provider-router.js';
import { installActivity, messageActivity, startFakeBotConnector, teamsUser, type FakeBotConnector } from '../helpers/fake-bot-connector.js';
import { visitor } from '../staff/web-chat.js';

/**
 * Two businesses in one deployment: the first from the environment, "acme" from its stored settings
 * with a Telegram bot of its own. Nothing of one is read, counted, alerted or sent from the other.
 */
describe('two businesses in one deployment', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  const tokens = { first: '555000111:AAG-first-business-bot-token-xyz', acme: '555000222:AAG-acme-business-bot-token-xyz' };
  const secrets = { first: 'first-business-webhook-secret', acme: 'acme-business-webhook-secret' };
  const owners = { first: visitor(), acme: visitor() };
  const dbName = uniqueDbName('businesses');
  const fakes = {} as { first: FakeTelegram; acme: FakeTelegram };
  // Each business's own Twilio account and number; acme's webhooks are under /b/acme.
  const twilio = {
    first: { accountSid: `AC${'1'.repeat(32)}`, authToken: 'first-business-twilio-auth-token', from: '+15005550006' },
    acme: { accountSid: `AC${'2'.repeat(32)}`, authToken: 'acme-business-twilio-auth-token', from: '+15005550007' },
  };
  const sms = {} as { first: FakeTwilio; acme: FakeTwilio };
  let connector: FakeBotConnector;
  // The deployment's one provider endpoint; each account and bot reaches its own fake through it.
  let router: ProviderRouter;
  const publicUrl = 'https://bot.example.com';
  let server: TestServer;
  let app: FastifyInstance;

  const env = () => ({
    SECRETS_KEY: 'ab'.repeat(32),
    WEB_CHAT_ENABLED: 'true',
    SWEEP_INTERVAL: '0',
    THROTTLE_DAYS: '0',
    BUSINESS_NAME: 'First Shop',
    OWNER_ADDRESSES: `web:${owners.first}`,
    TELEGRAM_BOT_TOKEN: tokens.first,
    TELEGRAM_WEBHOOK_SECRET: secrets.first,
    TELEGRAM_API_ROOT: router.url,
    PUBLIC_URL: publicUrl,
    TWILIO_ACCOUNT_SID: twilio.first.accountSid,
    TWILIO_AUTH_TOKEN: twilio.first.authToken,
    TWILIO_FROM: twilio.first.from,
    TWILIO_API_BASE_URL: router.url,
    SMS_RATE_PER_SECOND: '100',
    SEND_WINDOW: '00:00-24:00',
    // Teams token checks are the deployment's (off in tests); each business has its own Teams app.
    TEAMS_AUTH_DISABLED: 'true',
  });

  beforeAll(async () => {
    fakes.first = await startFakeTelegram({ token: tokens.first });
    fakes.acme = await startFakeTelegram({ token: tokens.acme });
    sms.first = await startFakeTwilio({ ...twilio.first, publicUrl });
    sms.acme = await startFakeTwilio({ ...twilio.acme, publicUrl: `${publicUrl}/b/acme` });
    connector = await startFakeBotConnector();
    router = await startProviderRouter();
    router.route(tokens.first, fakes.first.url);
    router.route(tokens.acme, fakes.acme.url);
    router.route(twilio.first.accountSid, sms.first.baseUrl);
    router.route(twilio.acme.accountSid, sms.acme.baseUrl);
    // The second business is stored first (as `npm run business -- add` does), then the server starts.
    const setup = await buildTestServer(env(), { now: clock.now, dbName });
    const acme = businessInput.parse({
      id: 'acme',
      name: 'Acme Bakery',
      throttleDays: 0,
      channels: {
        telegram: { token: tokens.acme, webhookSecret: secrets.acme },
        sms: { ...twilio.acme, ratePerSecond: 100 },
        teams: { appId: 'acme-teams-app', appPassword: 'acme-teams-app-password', appType: 'MultiTenant' },
      },
    });
    const { settings } = toStored(acme, setup.app.secrets);
    // Sealed as older versions stored it, with provider endpoints of its own: read without them.
    const legacy = { ...acme.channels, sms: { ...acme.channels.sms, apiBaseUrl: 'http://169.254.169.254/latest/' }, telegram: { ...acme.channels.telegram, apiRoot: 'http://169.254.169.254/latest/' } };
    await setup.app.store.businesses.save(settings, setup.app.secrets.seal(JSON.stringify(legacy)));
    await setup.app.close();
    server = await buildTestServer(env(), { now: clock.now, dbName });
    app = server.app;
    await (await app.businesses.get('acme'))!.staff.add({ channel: 'web', address: owners.acme }, 'owner');
  });
  afterAll(async () => {
    await app?.db.dropDatabase().catch(() => {});
    await server?.close();
    await fakes.first?.close();
    await fakes.acme?.close();
    await sms.first?.close();
    await sms.acme?.close();
    await connector?.close();
    await router?.close();
  });

  const chat = (base: string) => ({
    start: async (address?: string) => {
      const res = await app.inject({ method: 'POST', url: `${base}/chat/api/visitors`, payload: { kind: 'nps' } });
      expect(res.statusCode).toBe(201);
      return address ?? (res.json().visitorId as string);
    },
    say: async (address: string, text: string) => {
      const res = await app.inject({ method: 'POST', url: `${base}/chat/api/visitors/${address}/messages`, payload: { messageId: `m${Math.random()}`, text } });
      expect(res.statusCode).toBe(200);
      return (res.json().replies as Array<{ text: string }>).map((r) => r.text);
    },
    lines: async (address: string) => {
      await app.alerts.drain();
      const res = await app.inject({ method: 'GET', url: `${base}/chat/api/visitors/${address}/messages` });
      return (res.json().messages as Array<{ from: string; text: string }>).filter((m) => m.from === 'bot').map((m) => m.text);
    },
  });
  const first = chat('');
  const acme = chat('/b/acme');
  const customers = { first: '', acme: '' };

  it('runs each web chat survey for its own business', async () => {
    customers.first = await first.start();
    customers.acme = await acme.start();
    await first.say(customers.first, '2');
    await first.say(customers.first, 'the first shop was slow');
    await acme.say(customers.acme, '3');
    await acme.say(customers.acme, 'acme bread was stale');
    // Each survey started at its first answer, with its own business's question.
    expect((await first.lines(customers.first)).join(' ')).toContain('First Shop');
    expect((await acme.lines(customers.acme)).join(' ')).toContain('Acme Bakery');
    const stored = await app.store.surveys.model.find({ address: { $in: [customers.first, customers.acme] } }).lean();
    expect(stored.map((s) => [s.address === customers.first ? 'first' : 'acme', s.businessId, s.score]).sort()).toEqual([
      ['acme', 'acme', 3],
      ['first', 'default', 2],
    ]);
  });

  it("alerts each business's owner about its own detractor only", async () => {
    const toFirst = (await first.lines(owners.first)).join('\n');
    const toAcme = (await acme.lines(owners.acme)).join('\n');
    expect(toFirst).toContain('the first shop was slow');
    expect(toFirst).not.toContain('acme bread');
    expect(toAcme).toContain('acme bread was stale');
    expect(toAcme).not.toContain('first shop was slow');
  });

  it("neither chat page reads or answers the other business's conversation", async () => {
    expect(await first.lines(customers.acme)).toEqual([]);
    expect(await acme.lines(customers.first)).toEqual([]);
    // A visitor id of the first business typed into acme's chat is a stranger there: its survey is untouched.
    await acme.say(customers.first, '10');
    const survey = await app.store.surveys.model.findOne({ address: customers.first }).lean();
    expect(survey?.score).toBe(2);
  });

  it("counts each business's own answers in /stats and refuses /reply to the other's survey", async () => {
    const statsFirst = (await first.say(owners.first, '/stats')).join('\n');
    const statsAcme = (await acme.say(owners.acme, '/stats')).join('\n');
    expect(statsFirst).toContain('n=1');
    expect(statsAcme).toContain('n=1');
    const acmeSurvey = await app.store.surveys.model.findOne({ address: customers.acme }).lean();
    const refused = (await first.say(owners.first, `/reply ${String(acmeSurvey?._id)} sorry about that`)).join('\n');
    expect(refused).not.toMatch(/sent/i);
    expect(await acme.lines(customers.acme)).not.toContainEqual(expect.stringContaining('sorry about that'));
  });

  it('runs every other chat command within its own business', async () => {
    const firstCustomer = (await app.store.surveys.model.findOne({ address: customers.first }).lean())!.customerId.toString();
    // /survey by another business's customer id: not found here; by an address: a survey of acme's own.
    expect((await acme.say(owners.acme, `/survey csat ${firstCustomer}`)).join(' ')).toMatch(/no customer with id/);
    const fresh = visitor();
    expect((await acme.say(owners.acme, `/survey csat web:${fresh}`)).join(' ')).toMatch(/CSAT survey sent/);
    expect((await app.store.surveys.model.findOne({ address: fresh }).lean())?.businessId).toBe('acme');
    expect(await first.lines(fresh)).toEqual([]);
    // /link gives acme's own bot's link, never the first business's.
    const link = (await acme.say(owners.acme, '/link nps')).join(' ');
    expect(link).toMatch(/\?start=acme-i/);
    // /staff adds to acme only; /help and /digest answer for acme.
    const helper = visitor();
    expect((await acme.say(owners.acme, `/staff add web:${helper} staff`)).join(' ')).toMatch(/Added/);
    expect(await (await app.businesses.get('acme'))!.staff.identify('web', helper)).toBeDefined();
    expect(await (await app.businesses.get('default'))!.staff.identify('web', helper)).toBeUndefined();
    expect((await first.say(helper, '/stats')).join(' ')).not.toMatch(/n=/); // a stranger to the first business
    expect((await acme.say(owners.acme, '/digest')).join('\n')).not.toContain('first shop');
    expect((await acme.say(owners.acme, '/help')).join(' ')).toContain('/dashboard');
  });

  it("answers each Telegram bot's updates with that bot, even with the same chat and update ids", async () => {
    const person = { chatId: 4242 };
    const updateId = nextUpdateId();
    const post = (base: string, secret: string, headerSecret = secret) =>
      app.inject({ method: 'POST', url: `${base}${telegramWebhookPath(secret)}`, headers: { 'x-telegram-bot-api-secret-token': headerSecret }, payload: textUpdate(person, '/start', updateId) });
    expect((await post('', secrets.first)).statusCode).toBe(200);
    expect((await post('/b/acme', secrets.acme)).statusCode).toBe(200);
    expect(fakes.first.sent(4242).map((m) => (m as { text?: string }).text).join(' ')).toContain('First Shop');
    expect(fakes.acme.sent(4242).map((m) => (m as { text?: string }).text).join(' ')).toContain('Acme Bakery');
    // One business's secret opens nothing of the other's.
    expect((await post('/b/acme', secrets.acme, secrets.first)).statusCode).toBe(403);
    expect((await post('/b/acme', secrets.first)).statusCode).toBe(404);
  });

  it("sends a business's invitations through its own bot", async () => {
    fakes.first.reset();
    fakes.acme.reset();
    const result = await (await app.businesses.get('acme'))!.surveys.start({ kind: 'csat', channel: 'telegram', address: '5151', trigger: 'web' });
    expect(result.status).toBe('sent');
    expect(fakes.acme.sent(5151)).toHaveLength(1);
    expect(fakes.first.calls.filter((c) => c.method === 'sendMessage')).toHaveLength(0);
  });

  it("texts through each business's own Twilio number, and checks each webhook with that business's token", async () => {
    const phone = '+14155550123';
    const started = await (await app.businesses.get('acme'))!.surveys.start({ kind: 'nps', channel: 'sms', address: phone, trigger: 'api' });
    expect(started.status).toBe('sent');
    expect(sms.acme.messages.map((m) => [m.to, m.from])).toEqual([[phone, twilio.acme.from]]);
    expect(sms.first.messages).toEqual([]);
    const answered = await sms.acme.receive(app, { from: phone, body: '8', to: twilio.acme.from });
    expect(answered.statusCode).toBe(200);
    expect((await app.store.surveys.model.findOne({ address: phone }).lean())).toMatchObject({ businessId: 'acme', score: 8 });
    // The first business's token does not sign acme's webhook, nor acme's the first's.
    const params = { MessageSid: newSid('SM'), From: phone, To: twilio.acme.from, Body: '9', AccountSid: twilio.acme.accountSid };
    expect((await sms.first.signedPost(app, `${publicUrl}/b/acme/webhooks/twilio/sms`, params)).statusCode).toBe(403);
    expect((await sms.acme.signedPost(app, `${publicUrl}/webhooks/twilio/sms`, params)).statusCode).toBe(403);
    expect((await app.store.surveys.model.findOne({ address: phone }).lean())?.score).toBe(8);
    // The first business never heard of this customer.
    expect(await app.store.customers.find({ businessId: 'default', channel: 'sms', address: phone })).toBeUndefined();
  });

  it("takes Teams activities for acme's app under /b/acme, and keeps its conversations apart", async () => {
    const user = teamsUser('Grace Hopper');
    const post = (activity: object) => app.inject({ method: 'POST', url: '/b/acme/api/messages', payload: activity });
    expect((await post(installActivity({ user, serviceUrl: connector.serviceUrl }))).statusCode).toBe(200);
    expect(await app.store.teamsConversations.find('acme', user.aadObjectId)).toBeDefined();
    expect(await app.store.teamsConversations.find('default', user.aadObjectId)).toBeUndefined();
    const started = await (await app.businesses.get('acme'))!.surveys.start({ kind: 'nps', channel: 'teams', address: user.aadObjectId, trigger: 'api' });
    expect(started.status).toBe('sent');
    expect((await post(messageActivity('7', { user, serviceUrl: connector.serviceUrl, id: '1700000000111' }))).statusCode).toBe(200);
    expect(await app.store.surveys.model.findOne({ address: user.aadObjectId }).lean()).toMatchObject({ businessId: 'acme', score: 7 });
    // The first business's Teams endpoint does not know this person.
    expect(await app.store.customers.find({ businessId: 'default', channel: 'teams', address: user.aadObjectId })).toBeUndefined();
  });

  it("sends each owner the weekly digest of their own business", async () => {
    clock.advance(Date.parse('2026-03-16T09:30:00Z') - clock.now().getTime());
    await app.sweeper.sweep();
    const digestFirst = (await first.lines(owners.first)).filter((l) => l.startsWith('Weekly digest, week of 2026-03-09')).join('\n');
    const digestAcme = (await acme.lines(owners.acme)).filter((l) => l.startsWith('Weekly digest, week of 2026-03-09')).join('\n');
    expect(digestFirst).toContain('1 response of 1 sent');
    expect(digestFirst).toContain('the first shop was slow');
    expect(digestFirst).not.toMatch(/acme|CSAT/i);
    expect(digestAcme).toContain('acme bread was stale');
    expect(digestAcme).toContain('0 responses of 2 sent'); // the CSAT invitations of acme's bot and of /survey
    expect(digestAcme).not.toContain('first shop');
  });

  it('keeps the secrets sealed in the database', async () => {
    const raw = JSON.stringify(await app.store.businesses.model.find({}).lean());
    expect(raw).not.toContain(tokens.acme);
    expect(raw).not.toContain(secrets.acme);
    expect(raw).toContain('channelsSealed');
  });
});
