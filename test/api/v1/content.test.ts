import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../helpers/build.js';
import { startFakeTwilio, type FakeTwilio } from '../../helpers/fake-twilio.js';
import { countSegments } from '../../../src/channels/sms/segments.js';
import { wordingKeys } from '../../../src/dialogs/prompts/index.js';
import { say, transcript, visitor } from '../../staff/web-chat.js';
import { accountSid, authToken, publicUrl, smsEnv } from '../../channels/sms/harness.js';
import { buildV1Server, envKey, makeKey, secondBusiness, v1 } from './v1-server.js';

const question = "How likely are you to recommend {hasProduct, select, yes {{business}'s {product}} other {{business}}} to a friend? Reply {min}-{max}";
const detractor = '{hasName, select, yes {Sorry, {firstName}.} other {Sorry.}} What went wrong{hasProduct, select, yes { with {product}} other {}}?';

let fake: FakeTwilio;
let server: TestServer;
beforeAll(async () => {
  fake = await startFakeTwilio({ accountSid, authToken, publicUrl });
  server = await buildV1Server({ ...smsEnv(fake), SEND_WINDOW: '00:00-24:00', BUSINESS_NAME: 'Acme Coffee' });
  secondBusiness(server.app);
});
afterAll(async () => {
  await server?.close();
  await fake?.close();
});

describe('/api/v1/content: a business words its survey', () => {
  it('reads the shipped wording, refuses a bad placeholder or a broken plural with 400 naming it, and asks for an admin key', async () => {
    const { app } = server;
    const shipped = await v1(app, envKey, 'GET', '/content/nps/en');
    expect(shipped.statusCode).toBe(200);
    expect(shipped.json().messages.find((m: { key: string }) => m.key === 'question')).toMatchObject({ custom: false, text: expect.stringContaining('{business}') });

    const unknown = await v1(app, envKey, 'PUT', '/content/nps/en', { messages: { question: 'How was {shop}? Reply {min}-{max}' } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(unknown.json().errors).toEqual([{ field: 'messages.question', message: expect.stringContaining('unknown placeholder {shop}') }]);

    const plural = await v1(app, envKey, 'PUT', '/content/nps/en', { messages: { reprompt: '{max, plural, one {# number}} please', question } });
    expect(plural.statusCode).toBe(400);
    expect(plural.json().errors).toEqual([{ field: 'messages.reprompt', message: expect.stringContaining('"other" case') }]);

    const noScale = await v1(app, envKey, 'PUT', '/content/nps/en', { messages: { question: 'How likely are you to recommend us?' } });
    expect(noScale.json().errors[0].message).toMatch(/scale/);
    expect((await v1(app, envKey, 'PUT', '/content/nps/xx', { messages: {} })).statusCode).toBe(400);
    expect((await v1(app, envKey, 'PUT', '/content/nps/en', { messages: { farewell: 'Bye' } })).statusCode).toBe(400);
    const reader = await makeKey(app, 'default', ['surveys:read']);
    expect((await v1(app, reader, 'PUT', '/content/nps/en', { messages: { question } })).statusCode).toBe(403);
    // Nothing refused was stored.
    expect((await v1(app, envKey, 'GET', '/content/nps/en')).json().messages.every((m: { custom: boolean }) => !m.custom)).toBe(true);
  });

  it('previews every message per channel with the SMS segments the SMS code counts, and holds back a long one until allowed', async () => {
    const { app } = server;
    const long = `${'We would love to hear every detail of your visit to {business} today. '.repeat(8)}Reply {min}-{max}`;
    const res = await v1(app, envKey, 'POST', '/content/nps/es/preview', { messages: { question: long }, sample: { product: 'Taza azul' } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.messages.map((m: { key: string }) => m.key).sort()).toEqual([...wordingKeys].sort());
    for (const m of body.messages) {
      const { encoding, segments, characters } = countSegments(m.channels.sms.text);
      expect(m.channels.sms).toMatchObject({ encoding, segments, characters });
    }
    const flagged = body.messages.filter((m: { flags: string[] }) => m.flags.length).map((m: { key: string }) => m.key);
    expect(flagged).toEqual(['invitation', 'question', 'reminder']);

    const held = await v1(app, envKey, 'PUT', '/content/nps/es', { messages: { question: long } });
    expect(held.statusCode).toBe(400);
    expect(held.json().errors.map((e: { field: string }) => e.field)).toEqual(['messages.invitation', 'messages.question', 'messages.reminder']);
    expect(held.json().detail).toMatch(/allowLong/);
    const allowed = await v1(app, envKey, 'PUT', '/content/nps/es', { messages: { question: long }, allowLong: true });
    expect(allowed.statusCode).toBe(200);
    expect((await v1(app, envKey, 'PUT', '/content/nps/es', { messages: {} })).json().messages.every((m: { custom: boolean }) => !m.custom)).toBe(true);
  });

  it('an owner changes the question and the detractor follow-up; a customer then sees them over SMS, filled in, and another business does not', async () => {
    const { app } = server;
    const saved = await v1(app, envKey, 'PUT', '/content/nps/en', { messages: { question, 'followUp.detractor': detractor } });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json().messages.filter((m: { custom: boolean }) => m.custom).map((m: { key: string }) => m.key)).toEqual(['question', 'followUp.detractor']);

    const phone = '+14155550177';
    const started = await v1(app, envKey, 'POST', '/surveys', { kind: 'nps', channel: 'sms', address: phone, name: 'Ana Gómez', context: { product: 'Blue mug' } });
    expect(started.statusCode, started.body).toBe(201);
    const invitation = fake.messages.filter((m) => m.to === phone).at(-1)?.body;
    expect(invitation).toBe("Hi Ana Gómez! How likely are you to recommend Acme Coffee's Blue mug to a friend? Reply 0-10");

    const answer = await fake.receive(app, { from: phone, body: '3' });
    expect(answer.statusCode).toBe(200);
    expect(fake.messages.filter((m) => m.to === phone).at(-1)?.body).toBe('Sorry, Ana. What went wrong with Blue mug? Reply SKIP to skip.');

    // The web chat says it too (a visitor's survey has no product), with its buttons.
    const web = visitor();
    expect((await v1(app, envKey, 'POST', '/surveys', { kind: 'nps', channel: 'web', address: web })).statusCode).toBe(201);
    expect(await transcript(app, web)).toEqual(['Hi! How likely are you to recommend Acme Coffee to a friend? Reply 0-10']);
    expect(await say(app, web, '2')).toEqual(['Sorry. What went wrong? Reply SKIP to skip.']);

    // The same kind in another language, and another business, keep the shipped wording.
    const es = await v1(app, envKey, 'POST', '/surveys', { kind: 'nps', channel: 'sms', address: '+14155550178', locale: 'es', context: { product: 'Blue mug' } });
    expect(es.statusCode).toBe(201);
    expect(fake.messages.filter((m) => m.to === '+14155550178').at(-1)?.body).toMatch(/^¡Hola! ¿Qué probabilidad hay de que recomiendes Acme Coffee/);
    const other = await makeKey(app, 'second', ['admin']);
    const otherWording = await v1(app, other, 'GET', '/content/nps/en');
    expect(otherWording.json().messages.every((m: { custom: boolean }) => !m.custom)).toBe(true);
    const otherPreview = await v1(app, other, 'POST', '/content/nps/en/preview', {});
    expect(otherPreview.json().messages[1].channels.sms.text).toMatch(/^About your order 1042: how likely are you to recommend Second shop to a friend or colleague\?/);
  });
});
