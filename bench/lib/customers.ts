/**
 * Customers with an open survey, many of them, fast: one survey per channel is started through the
 * product (REST API, web chat, Teams install), then its documents are copied with new ids and
 * addresses in bulk. Every copy is exactly what the product wrote for a real start.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { MongoClient, ObjectId, type Db, type Document } from 'mongodb';
import { telegramWebhookPath } from '../../src/channels/telegram/index.js';
import { installActivity, messageActivity } from '../../test/helpers/fake-bot-connector.js';
import { httpRequest, is2xx } from '../../test/faults/http.js';
import { inboundSmsParams, twilioWebhookHeaders } from '../../test/helpers/fake-twilio.js';
import { accountSid, apiKey, authToken, publicUrl, webhookSecret, type Fakes } from './product.js';

export const channels = ['sms', 'telegram', 'web', 'teams'] as const;
export type Channel = (typeof channels)[number];
export type ReplyKind = 'score' | 'comment';
/** Scores of the three bands (NPS): what a reply costs depends on it (a detractor owes owner alerts). */
export const bands = [
  { band: 'promoter', score: '9' },
  { band: 'passive', score: '7' },
  { band: 'detractor', score: '3' },
] as const;
export type Band = (typeof bands)[number]['band'];

export interface Customer {
  channel: Channel;
  address: string;
  surveyId: string;
  customerId: string;
  band: Band;
  /** Teams: the channel account id (29:…) beside the Entra object id (the address). */
  teamsUserId?: string;
}

export interface Template {
  channel: Channel;
  survey: Document;
  customer: Document;
  conversation?: Document;
  /** Web chat: the visitor's chat session, started (copied with each customer, as a chat whose survey began). */
  session?: Document;
}

let addressSeq = 0;
let messageSeq = 0;
/** A distinct address on `channel`; distinctive enough to be replaced inside other strings. */
function newAddress(channel: Channel): { address: string; teamsUserId?: string } {
  const n = addressSeq++;
  if (channel === 'sms') return { address: `+1415${String(2_000_000 + n).padStart(7, '0')}` };
  if (channel === 'telegram') return { address: String(8_100_000_000 + n) };
  if (channel === 'web') return { address: `v_${randomBytes(16).toString('hex')}` };
  return { address: randomUUID(), teamsUserId: `29:1${randomBytes(20).toString('hex')}` };
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Document> {
  const res = await httpRequest('POST', url, { headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), timeoutMs: 180_000 });
  if (!is2xx(res)) throw new Error(`POST ${url}: ${JSON.stringify(res).slice(0, 300)}`);
  return res.body ? (JSON.parse(res.body) as Document) : {};
}

/** One real survey start on `channel` through the running product; its documents, read back. */
export async function startTemplate(channel: Channel, serverUrl: string, db: Db, fakes: Fakes): Promise<Template> {
  const { address, teamsUserId } = newAddress(channel);
  let visitor = address;
  if (channel === 'web') {
    visitor = (await post(`${serverUrl}/chat/api/visitors`, { kind: 'nps' })).visitorId as string;
    // A chat's survey begins with the visitor's first message: one that is no score starts it and
    // is asked the question again, so the survey waits for its score as the other channels' do.
    await post(`${serverUrl}/chat/api/visitors/${visitor}/messages`, { messageId: 'hello', text: 'hello' });
  } else {
    if (channel === 'teams') {
      const user = { id: teamsUserId!, aadObjectId: address, name: 'Ada Lovelace' };
      await post(`${serverUrl}/api/messages`, installActivity({ user, serviceUrl: fakes.connector.serviceUrl }));
    }
    const res = await post(`${serverUrl}/api/v1/surveys`, { kind: 'nps', channel, address }, { 'x-api-key': apiKey });
    if (res.status !== 'sent') throw new Error(`template survey on ${channel}: ${JSON.stringify(res)}`);
  }
  const survey = await db.collection('surveys').findOne({ channel, address: visitor });
  const customer = await db.collection('customers').findOne({ channel, address: visitor });
  const conversation = channel === 'teams' ? await db.collection('teams_conversations').findOne({ address }) : undefined;
  const session = channel === 'web' ? await db.collection('web_sessions').findOne({ visitorId: visitor }) : undefined;
  if (!survey || !customer || (channel === 'teams' && !conversation) || (channel === 'web' && !session?.readyAt)) throw new Error(`template on ${channel}: documents not found`);
  return { channel, survey, customer, ...(conversation ? { conversation } : {}), ...(session ? { session } : {}) };
}

/** Every string in `value` with `from` replaced by `to`, deeply. */
function replaceDeep(value: unknown, pairs: Array<[string, string]>): unknown {
  if (typeof value === 'string') return pairs.reduce((s, [from, to]) => s.split(from).join(to), value);
  if (Array.isArray(value)) return value.map((v) => replaceDeep(v, pairs));
  if (value && typeof value === 'object' && value.constructor === Object) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceDeep(v, pairs)]));
  }
  return value;
}

/** `count` customers like the template's, each with the same open survey, inserted in bulk. */
export async function cloneCustomers(db: Db, template: Template, count: number, bandOf: (i: number) => Band): Promise<Customer[]> {
  const out: Customer[] = [];
  const batch = 1_000;
  for (let start = 0; start < count; start += batch) {
    const surveys: Document[] = [];
    const customers: Document[] = [];
    const conversations: Document[] = [];
    const sessions: Document[] = [];
    for (let i = start; i < Math.min(count, start + batch); i++) {
      const { address, teamsUserId } = newAddress(template.channel);
      const surveyId = new ObjectId();
      const customerId = new ObjectId();
      const pairs: Array<[string, string]> = [[template.survey.address as string, address]];
      surveys.push({ ...(replaceDeep(template.survey, pairs) as Document), _id: surveyId, customerId });
      customers.push({ ...(replaceDeep(template.customer, pairs) as Document), _id: customerId });
      if (template.conversation) {
        const aad = (template.survey.address as string).replace(/-/g, '');
        const userId = (template.conversation.reference as { user?: { id?: string } }).user?.id ?? '';
        const more: Array<[string, string]> = [...pairs, [aad, address.replace(/-/g, '')], [userId, teamsUserId!]];
        conversations.push({ ...(replaceDeep(template.conversation, more) as Document), _id: new ObjectId() });
      }
      if (template.session) sessions.push({ ...(replaceDeep(template.session, pairs) as Document), _id: new ObjectId() });
      out.push({ channel: template.channel, address, surveyId: surveyId.toHexString(), customerId: customerId.toHexString(), band: bandOf(i), ...(teamsUserId ? { teamsUserId } : {}) });
    }
    await db.collection('customers').insertMany(customers, { ordered: false });
    await db.collection('surveys').insertMany(surveys, { ordered: false });
    if (conversations.length) await db.collection('teams_conversations').insertMany(conversations, { ordered: false });
    if (sessions.length) await db.collection('web_sessions').insertMany(sessions, { ordered: false });
  }
  return out;
}

export interface PreparedRequest {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The provider's id of this message, as the product stores it. */
  messageId: string;
}

const comments: Record<Band, string> = { promoter: 'quick and friendly, thank you', passive: 'fine, a bit slow at the till', detractor: 'the order came late and cold' };
let updateSeq = 7_300_000_000;
let activitySeq = 0;

/** The text a customer of `band` sends for `kind`. */
export const replyText = (band: Band, kind: ReplyKind) => (kind === 'score' ? bands.find((b) => b.band === band)!.score : comments[band]);

/** One reply as its provider delivers it: signed, with the secret header, or as the page posts it. */
export function replyRequest(c: Customer, kind: ReplyKind, serviceUrl: string): PreparedRequest {
  const text = replyText(c.band, kind);
  if (c.channel === 'sms') {
    const params = inboundSmsParams(accountSid, { from: c.address, body: text });
    const path = '/webhooks/twilio/sms';
    const headers = twilioWebhookHeaders(authToken, `${publicUrl}${path}`, params);
    return { method: 'POST', path, headers, body: new URLSearchParams(params).toString(), messageId: params.MessageSid! };
  }
  if (c.channel === 'telegram') {
    const updateId = updateSeq++;
    const chat = Number(c.address);
    const from = { id: chat, is_bot: false, first_name: 'Ada', language_code: 'en' };
    const update = { update_id: updateId, message: { message_id: updateId % 1_000_000, from, chat: { id: chat, first_name: 'Ada', type: 'private' }, date: Math.floor(Date.now() / 1000), text } };
    const headers = { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': webhookSecret };
    return { method: 'POST', path: telegramWebhookPath(webhookSecret), headers, body: JSON.stringify(update), messageId: String(updateId) };
  }
  if (c.channel === 'teams') {
    const id = `17${String(++activitySeq).padStart(11, '0')}${randomBytes(3).toString('hex')}`;
    const user = { id: c.teamsUserId!, aadObjectId: c.address, name: 'Ada Lovelace' };
    const activity = messageActivity(text, { user, serviceUrl, id });
    return { method: 'POST', path: '/api/messages', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity), messageId: id };
  }
  const messageId = `${kind}-${++messageSeq}`;
  return { method: 'POST', path: `/chat/api/visitors/${c.address}/messages`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messageId, text }), messageId: `${c.address}:${messageId}` };
}

export async function connectRaw(uri: string, dbName: string): Promise<{ client: MongoClient; db: Db }> {
  const client = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 10_000 });
  return { client, db: client.db(dbName) };
}
