/**
 * Forged, missing and replayed-with-altered-body signatures on every webhook (Twilio SMS and
 * WhatsApp inbound and status, Telegram, Teams), and Teams tokens with every wrong claim, checked against the loopback
 * OpenID document and key set the Teams adapter is pointed at by TEAMS_OPENID_METADATA_URL:
 *   forged webhooks: tried N, refused N
 *   teams tokens: tried N, refused N
 * Refused means: 401, 403 or 404, no document written, no survey moved, nothing sent.
 * Telegram's secret token is a fixed header, not a signature over the body: a body altered in transit
 * with the right header is what Telegram would send, so only the header can be forged there. A Bot
 * Framework token is not bound to the body either, except for the service URL and channel it names.
 */
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { telegramWebhookPath } from '../../src/channels/telegram/index.js';
import { installActivity, teamsUser, type TokenOptions } from '../helpers/fake-bot-connector.js';
import { newSid } from '../helpers/fake-twilio.js';
import { textUpdate } from '../helpers/fake-telegram.js';
import { expectAllRefused, expectZero, figure } from './figures.js';
import { describeLeaks, scanLogs, sensitive } from './log-scan.js';
import { attack, type Attempt } from './attempts.js';
import { publicUrl, secrets, startRig, teamsAppId, type Rig } from './rig.js';

let rig: Rig;
const consoleErrors: string[] = [];

beforeAll(async () => {
  // The Bot Framework SDK prints refused tokens with console.error: keep them for the log scan, off the output.
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void consoleErrors.push(args.map(String).join(' ')));
  rig = await startRig({ teamsAuth: true });
});
afterAll(async () => {
  await rig?.close();
  vi.restoreAllMocks();
});

const customers = Array.from({ length: 6 }, (_, i) => ({ phone: `+1415555${String(4100 + i)}`, chatId: 820_000_100 + i }));

describe('forged webhooks', () => {
  let sentSms: Array<{ sid: string; to: string }>;

  beforeAll(async () => {
    // Open surveys a forged answer or delivery report would change.
    for (const c of customers) {
      for (const [channel, address] of [['sms', c.phone], ['telegram', String(c.chatId)]] as const) {
        const res = await rig.api('POST', '/api/surveys', { kind: 'nps', channel, address });
        expect(res.statusCode, res.body).toBe(201);
      }
    }
    sentSms = rig.twilio.messages.map((m) => ({ sid: m.sid, to: m.to }));
    expect(sentSms).toHaveLength(customers.length);
  });

  it('refuses every forged, missing or altered signature and secret', async () => {
    const attempts: Attempt[] = [];
    const sign = (url: string, params: Record<string, string>, token: string = secrets.twilioAuthToken) => twilio.getExpectedTwilioSignature(token, url, params);

    for (const [i, c] of customers.entries()) {
      const inbound = { MessageSid: newSid('SM'), AccountSid: 'AC' + '0'.repeat(32), From: c.phone, To: '+15005550006', Body: String(i % 11) };
      const status = { MessageSid: sentSms[i]!.sid, MessageStatus: 'undelivered', ErrorCode: '21610', To: c.phone };
      const whatsapp = { ...inbound, MessageSid: newSid('SM'), From: `whatsapp:${c.phone}`, To: 'whatsapp:+15005550006' };
      const whatsappStatus = { MessageSid: newSid('SM'), MessageStatus: 'read', To: `whatsapp:${c.phone}` };
      const otherOf: Record<string, string> = {
        '/webhooks/twilio/sms': '/webhooks/twilio/status',
        '/webhooks/twilio/status': '/webhooks/twilio/sms',
        '/webhooks/twilio/whatsapp': '/webhooks/twilio/whatsapp/status',
        '/webhooks/twilio/whatsapp/status': '/webhooks/twilio/whatsapp',
      };
      for (const [path, params, field, altered] of [
        ['/webhooks/twilio/sms', inbound, 'Body', 'STOP'],
        ['/webhooks/twilio/status', status, 'MessageStatus', 'delivered'],
        ['/webhooks/twilio/whatsapp', whatsapp, 'Body', 'STOP'],
        ['/webhooks/twilio/whatsapp/status', whatsappStatus, 'MessageStatus', 'failed'],
      ] as const) {
        const url = publicUrl + path;
        const valid = sign(url, params);
        const other = otherOf[path]!;
        const post = (name: string, body: Record<string, string>, signature: string | null, at: string = path) =>
          attempts.push({ name: `${path} ${name}`, send: () => rig.twilioPost(at, body, signature) });
        post('without a signature', params, null);
        post('with an empty signature', params, '');
        post('with a random signature', params, randomBytes(20).toString('base64'));
        post('signed with another auth token', params, sign(url, params, 'another-accounts-auth-token'));
        post('signed over http instead of https', params, sign(url.replace('https:', 'http:'), params));
        post('signed for another host', params, sign(url.replace('bot.example.test', 'evil.example'), params));
        post('signed for the other webhook', params, sign(publicUrl + other, params));
        post('with a valid signature and an added query string', params, valid, `${path}?replay=1`);
        post('with a truncated signature', params, valid.slice(0, -2));
        post('with a lower-cased signature', params, valid.toLowerCase());
        post(`replayed with ${field} altered`, { ...params, [field]: altered }, valid);
        post('replayed with a field added', { ...params, OptOutType: 'STOP' }, valid);
        const { To: _to, ...fewer } = params;
        post('replayed with a field removed', fewer, valid);
        attempts.push({
          name: `${path} with the signature header twice`,
          send: () =>
            rig.app.inject({
              method: 'POST',
              url: path,
              headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': [valid, valid] as unknown as string },
              payload: new URLSearchParams(params).toString(),
            }),
        });
      }

      const update = textUpdate({ chatId: c.chatId }, String(i % 11));
      const tg = (name: string, headers: Record<string, string>, url?: string) =>
        attempts.push({
          name: `telegram ${name}`,
          send: () =>
            url
              ? rig.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(update) })
              : rig.telegramPost(update, headers),
        });
      const header = 'x-telegram-bot-api-secret-token';
      const secret = secrets.telegramWebhookSecret;
      tg('without the secret header', {});
      tg('with an empty secret', { [header]: '' });
      tg('with a random secret', { [header]: randomBytes(24).toString('base64url') });
      tg('with the secret in upper case', { [header]: secret.toUpperCase() });
      tg('with the secret and one more character', { [header]: `${secret}x` });
      tg('with the secret less its last character', { [header]: secret.slice(0, -1) });
      tg('with the bot token as the secret', { [header]: secrets.telegramToken });
      tg('with the secret under another header name', { 'x-telegram-bot-api-secret': secret });
      tg('at the path of another secret, with that secret', { [header]: 'another-webhook-secret-123456' }, telegramWebhookPath('another-webhook-secret-123456'));
      tg('at a path made of the secret itself', { [header]: secret }, `/webhooks/telegram/${secret}`);
      tg('at the webhook path with a trailing segment', { [header]: secret }, `${telegramWebhookPath(secret)}x`);
    }

    const { tried, refused, examples } = await attack(rig, attempts, [401, 403, 404]);
    expectAllRefused('forged webhooks', tried, refused, examples);
  });

  it('still accepts what the providers really send (the checks are not refusing everything)', async () => {
    const c = customers[0]!;
    const res = [
      await rig.twilioPost('/webhooks/twilio/status', { MessageSid: sentSms[0]!.sid, MessageStatus: 'delivered', To: c.phone }),
      await rig.twilioPost('/webhooks/twilio/sms', { MessageSid: newSid('SM'), From: c.phone, To: '+15005550006', Body: 'HELP' }),
      await rig.telegramPost(textUpdate({ chatId: c.chatId }, 'help')),
      await rig.twilioPost('/webhooks/twilio/whatsapp/status', { MessageSid: newSid('SM'), MessageStatus: 'read', To: `whatsapp:${c.phone}` }),
    ];
    figure(`forged webhooks, genuine requests alongside: ${res.length}, accepted ${res.filter((r) => r.statusCode < 300).length}`);
    expect(res.map((r) => r.statusCode)).toEqual([204, 200, 200, 204]);
  });
});

describe('teams tokens', () => {
  it('refuses tokens with every wrong claim, algorithm or key, and replays with an altered service URL or channel', async () => {
    const now = Math.floor(Date.now() / 1000);
    const c = rig.connector;
    const token = (options: TokenOptions = {}) => c.token(teamsAppId, options);
    /** A valid token's header and signature over another payload. */
    const swapPayload = (claims: Record<string, unknown>) => {
      const [header, payload, signature] = token().split('.') as [string, string, string];
      const body = { ...(JSON.parse(Buffer.from(payload, 'base64url').toString()) as object), ...claims };
      return `${header}.${Buffer.from(JSON.stringify(body)).toString('base64url')}.${signature}`;
    };
    const variants: Array<[string, string | null, { serviceUrl?: string; channelId?: string }?]> = [
      ['no Authorization header', null],
      ['an empty bearer', ''],
      ['a bearer that is not a JWT', 'Bearer not-a-token'],
      ['a Basic scheme with a valid token', `Basic ${token()}`],
      ['a lower-case scheme with two spaces', `bearer  ${token()}`],
      ['alg none, unsigned', token({ alg: 'none' })],
      ['alg none with a signature', token({ alg: 'none' }) + token().split('.')[2]],
      ['HS256 keyed with the published public key', token({ alg: 'HS256' })],
      ['RS384 claimed over an RS256 signature', token({ header: { alg: 'RS384' } })],
      ['signed with a key the channel does not publish (its key id)', token({ key: 'other' })],
      ['signed with an unknown key id', token({ key: 'other', header: { kid: 'attacker-key' } })],
      ['no key id', token({ header: { kid: undefined } })],
      ['an embedded jwk header with its own key', token({ key: 'other', header: { jwk: { kty: 'RSA', n: 'AQAB', e: 'AQAB' } } })],
      ['a valid signature over altered claims', swapPayload({ aud: 'someone-else' })],
      ['another bot as audience', token({ claims: { aud: 'someone-else' } })],
      ['no audience', token({ claims: { aud: undefined } })],
      ['an empty audience', token({ claims: { aud: '' } })],
      ['another issuer', token({ claims: { iss: 'https://issuer.example' } })],
      ['no issuer', token({ claims: { iss: undefined } })],
      ['the issuer with a trailing slash', token({ claims: { iss: `${c.issuer}/` } })],
      ['expired an hour ago', token({ claims: { exp: now - 3600 } })],
      ['expired beyond the clock skew', token({ claims: { exp: now - 6 * 60 } })],
      ['no expiry', token({ claims: { exp: undefined } })],
      ['not valid before tomorrow', token({ claims: { nbf: now + 86_400 } })],
      ['another service URL', token({ claims: { serviceurl: 'https://smba.example/' } })],
      ['no service URL', token({ claims: { serviceurl: undefined } })],
      ['three dots', `${token()}.extra`],
      ['a valid token replayed for another service URL', token(), { serviceUrl: 'https://smba.example/' }],
      ['a valid token replayed from a channel its key is not endorsed for', token(), { channelId: 'webchat' }],
    ];
    const attempts: Attempt[] = [];
    for (let round = 0; round < 3; round++) {
      for (const [name, auth, alter] of variants) {
        const user = teamsUser();
        // An install is answered with nothing (no Azure AD token is ever asked for): accepted, it stores the user's conversation.
        const activity = { ...installActivity({ user, serviceUrl: c.serviceUrl }), ...alter };
        attempts.push({
          name,
          send: () =>
            rig.app.inject({
              method: 'POST',
              url: '/api/messages',
              headers: { 'content-type': 'application/json', ...(auth === null ? {} : { authorization: auth.startsWith('Bearer ') || auth.startsWith('Basic ') || auth.startsWith('bearer ') || auth === '' ? auth : `Bearer ${auth}` }) },
              payload: JSON.stringify(activity),
            }),
        });
      }
    }
    const { tried, refused, examples } = await attack(rig, attempts, [401, 403, 404]);
    expectAllRefused('teams tokens', tried, refused, examples);

    // And one signed as the channel signs: accepted, so the refusals above are about the token.
    const user = teamsUser();
    const genuine = await rig.teamsPost(installActivity({ user, serviceUrl: c.serviceUrl }));
    figure(`teams tokens, genuine alongside: 1, accepted ${genuine.statusCode === 200 ? 1 : 0}`);
    expect(genuine.statusCode).toBe(200);
  });
});

describe('the logs of all this', () => {
  it('hold no phone number, chat id, token or secret', () => {
    const found = sensitive();
    for (const c of customers) {
      found.phones.add(c.phone);
      found.chatIds.add(String(c.chatId));
    }
    const lines = [...rig.logs.lines, ...consoleErrors];
    const scan = scanLogs(lines, found);
    figure(`log scan (forged webhooks): lines ${scan.lines}, ${describeLeaks(scan.leaks)}`);
    for (const example of scan.examples) figure(`  ${example}`);
    expectZero('leaks in the logs', scan.leaks);
  });
});
