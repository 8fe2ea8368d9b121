/**
 * Bodies no provider or client of ours sends, on every route that takes a body:
 *   oversized bodies (413): tried N, refused N
 *   wrong content types (415): tried N, refused N
 *   malformed JSON (400 with the reason): tried N, refused N
 * Each request carries what its route checks first (API key, Telegram secret, a Twilio signature over
 * what the form parser would read), so it is the body itself that is refused, and nothing is written.
 */
import type { LightMyRequestResponse } from 'fastify';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { telegramWebhookPath } from '../../src/channels/telegram/index.js';
import { newSid } from '../helpers/fake-twilio.js';
import { attack, type Attempt } from './attempts.js';
import { expectAllRefused } from './figures.js';
import { publicUrl, secrets, startRig, type Rig } from './rig.js';

let rig: Rig;
let visitorId: string;

beforeAll(async () => {
  rig = await startRig();
  const res = await rig.app.inject({ method: 'POST', url: '/chat/api/visitors', payload: { kind: 'nps' } });
  visitorId = (res.json() as { visitorId: string }).visitorId;
});
afterAll(async () => rig?.close());

interface Route {
  name: string;
  url: string;
  /** The content type the route takes. */
  type: 'json' | 'form';
  headers: (body: string) => Record<string, string>;
  /** A small valid body. */
  body: string;
}

const twilioHeaders = (path: string) => (body: string) => {
  const params = Object.fromEntries(new URLSearchParams(body));
  return { 'x-twilio-signature': twilio.getExpectedTwilioSignature(secrets.twilioAuthToken, publicUrl + path, params) };
};

function routes(): Route[] {
  const api = () => ({ 'x-api-key': secrets.apiKey });
  const sms = new URLSearchParams({ MessageSid: newSid('SM'), From: '+14155554200', Body: '9' }).toString();
  return [
    { name: 'twilio sms', url: '/webhooks/twilio/sms', type: 'form', headers: twilioHeaders('/webhooks/twilio/sms'), body: sms },
    { name: 'twilio status', url: '/webhooks/twilio/status', type: 'form', headers: twilioHeaders('/webhooks/twilio/status'), body: new URLSearchParams({ MessageSid: newSid('SM'), MessageStatus: 'delivered' }).toString() },
    { name: 'telegram', url: telegramWebhookPath(secrets.telegramWebhookSecret), type: 'json', headers: () => ({ 'x-telegram-bot-api-secret-token': secrets.telegramWebhookSecret }), body: '{"update_id":1}' },
    { name: 'teams', url: '/api/messages', type: 'json', headers: () => ({}), body: '{"type":"message","text":"9"}' },
    { name: 'web chat start', url: '/chat/api/visitors', type: 'json', headers: () => ({}), body: '{"kind":"nps"}' },
    { name: 'web chat message', url: `/chat/api/visitors/${visitorId}/messages`, type: 'json', headers: () => ({}), body: '{"messageId":"m1","text":"9"}' },
    { name: 'api surveys', url: '/api/surveys', type: 'json', headers: api, body: '{"kind":"nps","channel":"web","address":"v_x"}' },
    { name: 'api staff', url: '/api/staff', type: 'json', headers: api, body: '{"channel":"sms","address":"+14155554201"}' },
    { name: 'api invitations', url: '/api/invitations', type: 'json', headers: api, body: '{"kind":"nps"}' },
  ];
}

const post = (url: string, contentType: string | undefined, body: string, headers: Record<string, string>): Promise<LightMyRequestResponse> =>
  rig.app.inject({ method: 'POST', url, headers: { ...(contentType ? { 'content-type': contentType } : {}), ...headers }, payload: body });

describe('bad bodies', () => {
  it('refuses oversized bodies with 413', async () => {
    const attempts: Attempt[] = [];
    for (const route of routes()) {
      // Just over the 1 MiB body limit, and 8 MiB, of otherwise well-formed content.
      for (const size of [1_048_577, 8 * 1_048_576]) {
        const body =
          route.type === 'form'
            ? `${route.body}&Pad=${'a'.repeat(size - route.body.length - 5)}`
            : `{"pad":"${'a'.repeat(size - 10)}"}`;
        const contentType = route.type === 'form' ? 'application/x-www-form-urlencoded' : 'application/json';
        attempts.push({ name: `${route.name}, ${size} bytes`, send: () => post(route.url, contentType, body, route.headers(route.type === 'form' ? route.body : body)) });
      }
    }
    const { tried, refused, examples } = await attack(rig, attempts, [413]);
    expectAllRefused('oversized bodies (413)', tried, refused, examples);
  });

  it('refuses content types the route does not take with 415', async () => {
    const attempts: Attempt[] = [];
    for (const route of routes()) {
      const wrong = [
        'text/plain',
        'application/xml',
        'multipart/form-data; boundary=x',
        'application/octet-stream',
        route.type === 'form' ? 'application/json' : 'application/x-www-form-urlencoded',
      ];
      // The CSV upload of /api/surveys is a content type it does take.
      for (const type of wrong) {
        const body = type === 'application/json' ? JSON.stringify(Object.fromEntries(new URLSearchParams(route.body))) : route.body;
        attempts.push({ name: `${route.name} as ${type}`, send: () => post(route.url, type, body, route.headers(route.body)) });
      }
    }
    const { tried, refused, examples } = await attack(rig, attempts, [415]);
    expectAllRefused('wrong content types (415)', tried, refused, examples);
  });

  it('refuses malformed JSON with 400 and says why', async () => {
    const malformed = ['{', '{"kind": "nps",}', "{'kind': 'nps'}", '{"kind": nps}', '[1, 2', '{"a":1}{"b":2}', '\u0000', 'nul', '{"text": "\\x41"}', '{"__proto__": {"polluted": 1}'];
    const attempts: Attempt[] = [];
    for (const route of routes().filter((r) => r.type === 'json')) {
      for (const body of malformed) {
        attempts.push({
          name: `${route.name}: ${JSON.stringify(body)}`,
          send: () => post(route.url, 'application/json', body, route.headers(body)),
          check: (res) => {
            const said = res.json() as { message?: string; detail?: string };
            return /json/i.test(said.message ?? said.detail ?? '');
          },
        });
      }
    }
    const { tried, refused, examples } = await attack(rig, attempts, [400]);
    expectAllRefused('malformed JSON (400 with the reason)', tried, refused, examples);
  });
});
