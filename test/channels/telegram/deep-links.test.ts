import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { invitationId } from '../../../src/surveys/deep-links.js';
import { hours, TestClock } from '../../helpers/clock.js';
import { buttonData, callbackUpdate, postUpdate, textUpdate } from '../../helpers/fake-telegram.js';
import { useTelegramServer } from '../../helpers/telegram-server.js';

const apiKey = 'k_deep_links_0123456789';
const owner = { chatId: 777_000_001, firstName: 'Olu' };
// 03:00 in the business's time zone: outside the 09:00-20:00 send window, so anything sent at once
// was sent because the customer asked for it.
const clock = new TestClock('2026-03-10T03:00:00Z');
const t = useTelegramServer(clock, { API_KEY: apiKey, BUSINESS_NAME: 'Acme Bakery', OWNER_ADDRESSES: `telegram:${owner.chatId}` });

const newChat = (firstName = 'Ada') => ({ chatId: randomInt(100_000_000, 2_000_000_000), firstName });
const say = (person: { chatId: number; firstName: string }, text: string) => postUpdate(t.server.app, t.webhookSecret, textUpdate(person, text));
const texts = (chatId: number) => t.fake.sent(chatId).map((m) => ('text' in m ? m.text : ''));
const surveysOf = (chatId: number) => t.server.app.store.surveys.model.find({ channel: 'telegram', address: String(chatId) }).sort({ invitedAt: 1 }).lean();
const api = (method: 'GET' | 'POST', url: string, payload?: object) =>
  t.server.app.inject({ method, url, headers: { 'x-api-key': apiKey }, ...(payload ? { payload } : {}) });

async function invitation(payload: object = { kind: 'nps' }): Promise<{ token: string; link: string; expiresAt: string }> {
  const res = await api('POST', '/api/v1/invitations', payload);
  expect(res.statusCode).toBe(201);
  return res.json();
}

describe('telegram deep links: the business link', () => {
  it('gives the public link with the bot name from getMe, per kind', async () => {
    const nps = await api('GET', '/api/v1/links/telegram');
    expect(nps.statusCode).toBe(200);
    expect(nps.json()).toEqual({ channel: 'telegram', kind: 'nps', token: 'default', link: 'https://t.me/survey_test_bot?start=default' });
    expect((await api('GET', '/api/v1/links/telegram?kind=csat')).json()).toMatchObject({ token: 'default-csat', link: 'https://t.me/survey_test_bot?start=default-csat' });
    expect((await api('GET', '/api/v1/links/telegram?kind=xyz')).statusCode).toBe(400);
  });

  it('links a new chat to the business and asks at once, even outside the send window', async () => {
    const ada = newChat('Ada');
    expect((await say(ada, '/start default')).statusCode).toBe(200);

    const customer = await t.server.app.store.customers.model.findOne({ channel: 'telegram', address: String(ada.chatId) }).lean();
    expect(customer).toMatchObject({ businessId: 'default', name: 'Ada' });
    const [survey] = await surveysOf(ada.chatId);
    expect(survey).toMatchObject({ kind: 'nps', trigger: 'link', state: 'invited', invitedAt: clock.now() });
    const [question] = t.fake.sent(ada.chatId);
    expect(texts(ada.chatId)).toEqual([expect.stringMatching(/^Hi Ada! How likely are you to recommend Acme Bakery/)]);

    // The question carries the usual keyboard: a tap moves the dialog on.
    await postUpdate(t.server.app, t.webhookSecret, callbackUpdate(ada, question!, buttonData(question!, '4')));
    expect(await t.server.app.store.surveys.model.findById(survey!._id).lean()).toMatchObject({ state: 'awaiting_comment', score: 4, band: 'detractor' });
    expect(texts(ada.chatId).at(-1)).toMatch(/What should we have done better/);
  });

  it('starts the kind the link names', async () => {
    const bo = newChat('Bo');
    await say(bo, '/start default-ces');
    expect((await surveysOf(bo.chatId)).map((s) => s.kind)).toEqual(['ces']);
    expect(texts(bo.chatId)[0]).toMatch(/made it easy/);
  });

  it('asks the open question again instead of starting a second survey', async () => {
    const cy = newChat('Cy');
    await say(cy, '/start default');
    await say(cy, '8');
    await say(cy, '/start default-csat');
    const surveys = await surveysOf(cy.chatId);
    expect(surveys.map((s) => [s.kind, s.state])).toEqual([['nps', 'awaiting_comment']]);
    expect(texts(cy.chatId).at(-1)).toMatch(/What one thing would make it a 10/);
  });

  it('says thanks instead of asking again while the customer is throttled', async () => {
    const di = newChat('Di');
    await say(di, '/start default');
    await say(di, '10');
    await say(di, 'Lovely bread');
    clock.advance(hours(24));
    await say(di, '/start default');
    expect(await surveysOf(di.chatId)).toHaveLength(1);
    expect(texts(di.chatId).at(-1)).toBe('Thanks! You gave Acme Bakery feedback recently, so there is no survey for you right now.');
  });

  it('counts as asking again after /stop: the opt-out ends and the survey starts', async () => {
    const ed = newChat('Ed');
    await say(ed, '/stop');
    expect(await t.server.app.store.customers.model.findOne({ channel: 'telegram', address: String(ed.chatId) }).lean()).toMatchObject({ optedOutAt: expect.any(Date) });
    await say(ed, '/start default-csat');
    const customer = await t.server.app.store.customers.model.findOne({ channel: 'telegram', address: String(ed.chatId) }).lean();
    expect(customer?.optedOutAt).toBeUndefined();
    expect((await surveysOf(ed.chatId)).map((s) => s.kind)).toEqual(['csat']);
  });

  it('starts one survey when Telegram delivers the same /start twice', async () => {
    const fi = newChat('Fi');
    const update = textUpdate(fi, '/start default');
    await postUpdate(t.server.app, t.webhookSecret, update);
    await postUpdate(t.server.app, t.webhookSecret, update);
    expect(await surveysOf(fi.chatId)).toHaveLength(1);
    expect(t.fake.sent(fi.chatId)).toHaveLength(1);
  });
});

describe('telegram deep links: one-time invitations', () => {
  it('makes a link whose secret is not stored, and starts the invited survey for whoever opens it', async () => {
    const made = await invitation({ kind: 'ces', name: 'Grace', context: 'order 1042', tags: ['pickup'], locale: 'es' });
    expect(made.link).toBe(`https://t.me/survey_test_bot?start=${made.token}`);
    expect(made.token).toMatch(/^default-i[\w-]{22}$/);
    expect(made.token.length).toBeLessThanOrEqual(64);
    expect(new Date(made.expiresAt).getTime() - clock.now().getTime()).toBe(14 * 86_400_000);
    const secret = made.token.slice('default-i'.length);
    const stored = await t.server.app.store.invitations.model.find({}).lean();
    expect(JSON.stringify(stored)).not.toContain(secret);

    const grace = newChat('G');
    await say(grace, `/start ${made.token}`);
    const [survey] = await surveysOf(grace.chatId);
    expect(survey).toMatchObject({ kind: 'ces', trigger: 'link', locale: 'es', vars: { customerName: 'Grace', context: 'order 1042' }, tags: ['pickup'] });
    expect(texts(grace.chatId)).toEqual([expect.stringMatching(/^¡Hola, Grace!/)]);
    const used = await t.server.app.store.invitations.model.findById(invitationId(secret)).lean();
    expect(used).toMatchObject({ usedBy: `telegram:${grace.chatId}`, surveyId: survey!._id, usedAt: clock.now() });
  });

  it('is used once: another chat gets a polite refusal, the same chat its question again', async () => {
    const made = await invitation({ kind: 'nps' });
    const first = newChat('Hal');
    const second = newChat('Ivy');
    await say(first, `/start ${made.token}`);
    await say(second, `/start ${made.token}`);
    await say(first, `/start ${made.token}`);

    expect(await surveysOf(second.chatId)).toEqual([]);
    expect(texts(second.chatId)).toEqual(['This survey link has expired or was already used. Acme Bakery sends short feedback surveys here.']);
    expect(await surveysOf(first.chatId)).toHaveLength(1);
    expect(texts(first.chatId)).toHaveLength(2);
    expect(texts(first.chatId)[1]).toMatch(/^How likely are you to recommend Acme Bakery/);

    // Once its survey is over, the invitation starts no other, even when no throttle would stop it.
    await say(first, '10');
    await say(first, 'SKIP');
    await t.server.app.store.customers.model.updateOne({ channel: 'telegram', address: String(first.chatId) }, { $unset: { lastSurveyedAt: 1 } });
    await say(first, `/start ${made.token}`);
    expect(await surveysOf(first.chatId)).toHaveLength(1);
    expect(texts(first.chatId).at(-1)).toMatch(/^This survey link has expired or was already used/);
  });

  it('lets exactly one of several chats opening it at the same moment have it', async () => {
    const made = await invitation({ kind: 'csat' });
    const people = Array.from({ length: 6 }, () => newChat('Jo'));
    const results = await Promise.all(people.map((p) => say(p, `/start ${made.token}`)));
    expect(results.map((r) => r.statusCode)).toEqual(people.map(() => 200));
    const started = await t.server.app.store.surveys.model.find({ address: { $in: people.map((p) => String(p.chatId)) } }).lean();
    expect(started).toHaveLength(1);
    const refused = people.filter((p) => texts(p.chatId)[0]?.startsWith('This survey link has expired'));
    expect(refused).toHaveLength(5);
  });

  it('stays with its chat after the sweeper clears old claims, and is deleted a month after it expires', async () => {
    const made = await invitation({ kind: 'nps', expiresInDays: 3 });
    const [first, second] = [newChat('Pat'), newChat('Quinn')];
    await say(first, `/start ${made.token}`);
    clock.advance(hours(48));
    await t.server.app.sweeper.sweep();
    await say(second, `/start ${made.token}`);
    expect(await surveysOf(second.chatId)).toEqual([]);
    expect(texts(second.chatId)[0]).toMatch(/^This survey link has expired/);

    const id = invitationId(made.token.slice('default-i'.length));
    clock.advance(hours(24 * 30));
    await t.server.app.sweeper.sweep();
    expect(await t.server.app.store.invitations.model.exists({ _id: id })).not.toBeNull();
    clock.advance(hours(24 * 2));
    await t.server.app.sweeper.sweep();
    expect(await t.server.app.store.invitations.model.exists({ _id: id })).toBeNull();
  });

  it('made for an existing customer, joins the chat to them: their name, language and one throttle', async () => {
    const rosa = await (await t.server.app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'web', address: 'v_rosa', name: 'Rosa', locale: 'es', tags: ['vip'], trigger: 'api' });
    expect(rosa.status).toBe('queued'); // 03:00: waits for the send window, but counts as asked
    const webCustomer = await t.server.app.store.customers.model.findOne({ channel: 'web', address: 'v_rosa' }).lean();
    const made = await invitation({ kind: 'csat', customerId: webCustomer!._id.toString(), expiresInDays: 60 });
    const chat = newChat('R');

    // Asked on the web a moment ago: the same person is not asked again on Telegram.
    await say(chat, `/start ${made.token}`);
    expect(await surveysOf(chat.chatId)).toEqual([]);
    expect(texts(chat.chatId)).toEqual([expect.stringMatching(/^¡Gracias! Nos diste tu opinión sobre Acme Bakery hace poco/)]);
    const linked = await t.server.app.store.customers.model.findOne({ channel: 'telegram', address: String(chat.chatId) }).lean();
    expect(linked?.personId).toEqual(webCustomer!._id);

    clock.advance(hours(24 * 31));
    await say(chat, `/start ${made.token}`);
    const [survey] = await surveysOf(chat.chatId);
    expect(survey).toMatchObject({ kind: 'csat', locale: 'es', vars: { customerName: 'Rosa' }, tags: ['vip'] });
    // And now the web address waits its turn too.
    expect(await (await t.server.app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'web', address: 'v_rosa', trigger: 'api' })).toMatchObject({ status: 'throttled' });
  });

  it('refuses an invitation for a customer that does not exist, by API and by command', async () => {
    const res = await api('POST', '/api/v1/invitations', { kind: 'nps', customerId: '65f1c0ffee0123456789abcd' });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toBe('customerId: no customer 65f1c0ffee0123456789abcd');
    await say(owner, '/link nps 65f1c0ffee0123456789abcd');
    expect(texts(owner.chatId).at(-1)).toBe('customerId: no customer 65f1c0ffee0123456789abcd\nUsage: /link nps|csat|ces [customer id] [context]');
    expect(await t.server.app.store.invitations.model.countDocuments({ customerId: '65f1c0ffee0123456789abcd' })).toBe(0);
  });

  it('expires', async () => {
    const made = await invitation({ kind: 'nps', expiresInDays: 1 });
    clock.advance(hours(25));
    const kim = newChat('Kim');
    await say(kim, `/start ${made.token}`);
    expect(await surveysOf(kim.chatId)).toEqual([]);
    expect(texts(kim.chatId)[0]).toMatch(/^This survey link has expired/);
  });

  it('refuses tokens it did not make: unknown secret, another business, garbage', async () => {
    const lee = newChat('Lee');
    for (const bad of ['default-iAAAAAAAAAAAAAAAAAAAAAA', 'otherbiz', 'default-xyz', 'default-nps-extra']) await say(lee, `/start ${bad}`);
    expect(await surveysOf(lee.chatId)).toEqual([]);
    expect(texts(lee.chatId)).toHaveLength(4);
    expect(new Set(texts(lee.chatId))).toEqual(new Set(['This survey link has expired or was already used. Acme Bakery sends short feedback surveys here.']));
  });

  it('validates what the API is asked for', async () => {
    const bad = await api('POST', '/api/v1/invitations', { kind: 'nps', channel: 'sms' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toMatch(/^channel: deep links exist for telegram only/);
    expect((await api('POST', '/api/v1/invitations', { kind: 'nps', expiresInDays: 365 })).statusCode).toBe(400);
    expect((await t.server.app.inject({ method: 'POST', url: '/api/v1/invitations', payload: { kind: 'nps' } })).statusCode).toBe(401);
  });
});

describe('telegram deep links: /start without a token, and staff', () => {
  it('explains what the bot is to a first /start, and does not claim a resubscription', async () => {
    const max = newChat('Max');
    await say(max, '/start');
    expect(texts(max.chatId)).toEqual([expect.stringMatching(/^Acme Bakery sends short feedback surveys here\./)]);
    expect(await surveysOf(max.chatId)).toEqual([]);
  });

  it('still confirms /start after /stop as opting back in', async () => {
    const ned = newChat('Ned');
    await say(ned, '/stop');
    await say(ned, '/start');
    expect(texts(ned.chatId)).toEqual([expect.stringMatching(/unsubscribed/), expect.stringMatching(/subscribed again/)]);
  });

  it('gives staff a one-time link with /link that a customer can open', async () => {
    await say(owner, '/link csat the new oven');
    const reply = texts(owner.chatId).at(-1) ?? '';
    expect(reply).toMatch(/^One-time CSAT survey link for one customer, valid until 2026-03-24:\nhttps:\/\/t\.me\/survey_test_bot\?start=default-i[\w-]{22}$/);
    const link = reply.split('\n')[1]!;
    const ola = newChat('Ola');
    await say(ola, `/start ${new URL(link).searchParams.get('start')}`);
    const [survey] = await surveysOf(ola.chatId);
    expect(survey).toMatchObject({ kind: 'csat', vars: { context: 'the new oven', customerName: 'Ola' } });
    const invitations = await t.server.app.store.invitations.model.find({ surveyId: survey!._id }).lean();
    expect(invitations).toHaveLength(1);
    expect(invitations[0]!.createdBy).toMatch(/^[a-f0-9]{24}$/);
  });
});
