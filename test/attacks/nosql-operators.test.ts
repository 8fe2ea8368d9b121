/**
 * MongoDB operator values (`{"$gt": ""}`, `{"$ne": null}`, `{"$where": …}`, `{"$regex": ".*"}`) in
 * every JSON field the product reads and in every query string, while every channel has an open
 * survey such a value could match:
 *   nosql operators: tried N, refused N
 * Refused means 400, and no document written, no survey moved, nothing sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbackUpdate, textUpdate } from '../helpers/fake-telegram.js';
import { cardSubmitActivity, installActivity, messageActivity, teamsUser } from '../helpers/fake-bot-connector.js';
import { attack, type Attempt } from './attempts.js';
import { expectAllRefused, figure } from './figures.js';
import { startRig, type Rig } from './rig.js';

const operators: unknown[] = [{ $gt: '' }, { $ne: null }, { $where: 'sleep(100) || true' }, { $regex: '.*' }, { $in: ['nps', 'csat'] }];

/** `body` with the value at `path` (dot-separated) replaced. */
function withValue(body: unknown, path: string, value: unknown): unknown {
  const copy = structuredClone(body) as Record<string, unknown>;
  const keys = path.split('.');
  let at = copy;
  for (const key of keys.slice(0, -1)) at = at[key] as Record<string, unknown>;
  at[keys.at(-1)!] = value;
  return copy;
}

let rig: Rig;
const teams = teamsUser();
const chatId = 830_000_001;
let visitorId: string;
let teamsQuestionId: string;

beforeAll(async () => {
  rig = await startRig();
  // An open survey on every channel, for an operator value to match if it could.
  await rig.teamsPost(installActivity({ user: teams, serviceUrl: rig.connector.serviceUrl }));
  for (const [channel, address] of [['sms', '+14155554300'], ['telegram', String(chatId)], ['teams', teams.aadObjectId]] as const) {
    const res = await rig.api('POST', '/api/surveys', { kind: 'nps', channel, address });
    expect(res.statusCode, res.body).toBe(201);
  }
  const visitor = await rig.app.inject({ method: 'POST', url: '/chat/api/visitors', payload: { kind: 'nps' } });
  visitorId = (visitor.json() as { visitorId: string }).visitorId;
  teamsQuestionId = rig.connector.activities.at(-1)!.id;
});
afterAll(async () => rig?.close());

describe('nosql operators', () => {
  it('are refused in every JSON field and query string, and match nothing', async () => {
    const attempts: Attempt[] = [];
    const json = (name: string, url: string, body: unknown, fields: string[], send: (body: unknown) => ReturnType<Rig['api']>) => {
      for (const field of fields) {
        for (const op of operators) attempts.push({ name: `${name} ${field}=${JSON.stringify(op)}`, send: () => send(withValue(body, field, op)) });
      }
    };
    const api = (url: string) => (body: unknown) => rig.api('POST', url, body);
    const web = (url: string) => (body: unknown) => rig.app.inject({ method: 'POST', url, payload: body as object });

    const survey = { kind: 'nps', channel: 'sms', address: '+14155554301', name: 'Ada', locale: 'en', context: 'order 7', tags: ['vip'] };
    json('POST /api/surveys', '/api/surveys', survey, ['kind', 'channel', 'address', 'name', 'locale', 'context', 'tags', 'tags.0'], api('/api/surveys'));
    json('POST /api/staff', '/api/staff', { channel: 'sms', address: '+14155554302', role: 'staff', name: 'Bo' }, ['channel', 'address', 'role', 'name'], api('/api/staff'));
    const invitation = { kind: 'nps', channel: 'telegram', name: 'Cy', locale: 'en', context: 'visit', tags: ['a'], customerId: 'a'.repeat(24), expiresInDays: 3 };
    json('POST /api/invitations', '/api/invitations', invitation, ['kind', 'channel', 'name', 'locale', 'context', 'tags', 'customerId', 'expiresInDays'], api('/api/invitations'));
    json('POST /chat/api/visitors', '/chat/api/visitors', { kind: 'nps', locale: 'en', name: 'Di' }, ['kind', 'locale', 'name'], web('/chat/api/visitors'));
    const messages = `/chat/api/visitors/${visitorId}/messages`;
    json('POST web message', messages, { messageId: 'm1', text: 'great', choice: '9' }, ['messageId', 'text', 'choice'], web(messages));

    const telegramText = textUpdate({ chatId }, '9');
    json('telegram message', '', telegramText, ['update_id', 'message.text', 'message.chat.id', 'message.chat.type', 'message.from.id', 'message.from.first_name', 'message.message_id'], (b) => rig.telegramPost(b));
    const question = rig.telegram.sent(String(chatId)).at(-1)!;
    const tap = callbackUpdate({ chatId }, question, `s:-:9`);
    json('telegram tap', '', tap, ['callback_query.data', 'callback_query.id', 'callback_query.from.id', 'callback_query.message.chat.id'], (b) => rig.telegramPost(b));

    const options = { user: teams, serviceUrl: rig.connector.serviceUrl };
    const typed = messageActivity('9', options);
    json('teams message', '', typed, ['id', 'text', 'from.id', 'from.aadObjectId', 'from.name', 'conversation.id', 'conversation.conversationType', 'serviceUrl', 'channelId'], (b) => rig.teamsPost(b as object));
    const submit = cardSubmitActivity({ score: '9', surveyId: 'x', label: '9', question: 'q' }, teamsQuestionId, options);
    json('teams card', '', submit, ['value', 'value.score', 'value.surveyId', 'replyToId'], (b) => rig.teamsPost(b as object));
    const comment = cardSubmitActivity({ comment: 'lovely', question: 'q' }, teamsQuestionId, options);
    json('teams comment', '', comment, ['value.comment'], (b) => rig.teamsPost(b as object));

    // Query strings: bracketed keys and repeated keys, the two ways a parser could make a value that is not a string.
    for (const query of ['period[$ne]=7d', 'period[$gt]=', 'period=7d&period=30d', 'period=%7B%22%24gt%22%3A%22%22%7D', '$where=1']) {
      attempts.push({ name: `GET /api/stats?${query}`, send: () => rig.api('GET', `/api/stats?${query}`) });
    }
    for (const query of ['kind[$ne]=nps', 'kind=nps&kind=csat', 'kind[$regex]=.*']) {
      attempts.push({ name: `GET /api/links/telegram?${query}`, send: () => rig.api('GET', `/api/links/telegram?${query}`) });
    }

    for (const query of ['kind[$ne]=nps', 'kind=nps&kind=csat', 'from[$gt]=', 'to[$regex]=.*', 'businessId[$ne]=x', '$where=1']) {
      attempts.push({ name: `GET /api/export.csv?${query}`, send: () => rig.api('GET', `/api/export.csv?${query}`) });
      attempts.push({ name: `GET /api/export.jsonl?${query}`, send: () => rig.api('GET', `/api/export.jsonl?${query}`) });
    }
    // Path parameters: an operator written into a customer id is at most an id that names no customer
    // (a customer is also found by its own external id, any text): 400 or 404, and nothing erased.
    const paths: Attempt[] = [];
    for (const id of ['%7B%22%24ne%22%3Anull%7D', '[$ne]', '$where', 'a'.repeat(23) + '%00']) {
      paths.push({ name: `GET /api/customers/${id}/export`, send: () => rig.api('GET', `/api/customers/${id}/export`) });
      paths.push({ name: `DELETE /api/customers/${id}`, send: () => rig.api('DELETE', `/api/customers/${id}`) });
    }

    const { tried, refused, examples } = await attack(rig, attempts, [400]);
    const ids = await attack(rig, paths, [400, 404]);
    expectAllRefused('nosql operators', tried + ids.tried, refused + ids.refused, [...examples, ...ids.examples]);
  });

  it('in the query string of a route that reads none, change nothing in its answer', async () => {
    const messages = `/chat/api/visitors/${visitorId}/messages`;
    const routes: Array<[string, (query: string) => ReturnType<Rig['api']>]> = [
      ['/api/surveys/:id', (q) => rig.api('GET', `/api/surveys/${'0'.repeat(24)}${q}`)],
      ['/chat/api/visitors/:id/messages', (q) => rig.app.inject({ method: 'GET', url: `${messages}${q}` })],
    ];
    let tried = 0;
    let same = 0;
    for (const [name, get] of routes) {
      const plain = await get('');
      for (const query of ['?businessId[$ne]=x', '?id[$gt]=', '?visitorId[$regex]=.*', '?$where=1']) {
        tried++;
        const res = await get(query);
        if (res.statusCode === plain.statusCode && res.body === plain.body) same++;
        else figure(`  ${name}${query}: ${res.statusCode}, answer differs from the one without a query`);
      }
    }
    figure(`nosql operators in query strings no route reads: tried ${tried}, answered as without them ${same}`);
    expect(same).toBe(tried);
  });
});
