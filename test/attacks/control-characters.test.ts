/**
 * Control characters in every free-text field a shop or its systems give us (the API, v1 and the
 * first version, a CSV upload, events, a customer's tags, a Telegram invitation, API key and staff
 * names, the business's name, the web chat's name, a staff command),
 * each followed by a whole conversation on every channel (HELP, a score, a comment), whose replies
 * quote the name and the context:
 *   control characters in every text field: requests N, 5xx 0, replies missing 0, stored with a control character 0
 * Before, NUL, BEL, VT, ESC or U+FFFF in a name or context were stored as sent and the SMS webhook
 * answered 500 whenever its TwiML quoted them: the comment stored, the customer with no answer.
 */
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelName } from '../../src/domain/channels.js';
import { installActivity, messageActivity, teamsUser, type TeamsUser } from '../helpers/fake-bot-connector.js';
import { textUpdate } from '../helpers/fake-telegram.js';
import { newSid, twimlMessages } from '../helpers/fake-twilio.js';
import { figure } from './figures.js';
import { secrets, startRig, type Rig } from './rig.js';

/** What people paste, and what an attacker sends: each is tried in every field. */
const controls: Record<string, string> = {
  NUL: '\u0000',
  BEL: '\u0007',
  VT: '\u000b',
  ESC: '\u001b',
  'ESC [31m': '\u001b[31m',
  'U+FFFE': '\ufffe',
  'U+FFFF': '\uffff',
  'lone surrogate': '\ud800',
  NEL: '\u0085',
};
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2_147_483_647);
/** And random text around them (fast-check, any code unit, lone surrogates included): FUZZ_SEED=<n> repeats a run. */
const fuzzed = fc.sample(fc.tuple(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom(...Object.values(controls)), fc.string({ unit: 'binary', maxLength: 12 })).map((p) => p.join('')), { numRuns: 4, seed });
const tries: Array<[string, string]> = [...Object.entries(controls), ...fuzzed.map((t, i): [string, string] => [`fuzzed ${i + 1}`, t])];

/** A character no stored text may hold (XML 1.0 cannot carry most of them; terminals run the rest). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point here
const forbidden = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const webOwner = `v_${'0'.repeat(31)}7`;

let rig: Rig;
let requests = 0;
const serverErrors: string[] = [];
const missingReplies: string[] = [];

/** Every request counts; a 5xx is noted with what was tried. */
async function tried(label: string, res: Promise<LightMyRequestResponse>): Promise<LightMyRequestResponse> {
  const r = await res;
  requests++;
  if (r.statusCode >= 500) serverErrors.push(`${label}: ${r.statusCode} ${r.body.slice(0, 120)}`);
  return r;
}

interface Customer {
  channel: ChannelName;
  address: string;
  teams?: TeamsUser;
  /** The name Telegram shows for the chat. */
  firstName?: string;
}

let seq = 0;
async function newCustomer(channel: ChannelName): Promise<Customer> {
  seq++;
  switch (channel) {
    case 'sms':
      return { channel, address: `+1415555${String(6000 + seq)}` };
    case 'telegram':
      return { channel, address: String(860_000_000 + seq) };
    case 'teams': {
      const user = teamsUser();
      await tried('teams install', rig.teamsPost(installActivity({ user, serviceUrl: rig.connector.serviceUrl })));
      return { channel, address: user.aadObjectId, teams: user };
    }
    case 'web':
      return { channel, address: `v_${seq.toString(16).padStart(32, 'c')}` };
    case 'whatsapp':
      throw new Error('WhatsApp is not in this rig: its text goes through the same pipeline as SMS');
  }
}

/** One customer message through the channel's webhook; notes a message that got no reply. */
async function say(c: Customer, text: string, label: string): Promise<void> {
  const id = c.channel === 'sms' ? newSid('SM') : String(870_000_000 + ++seq);
  const before = rig.telegram.calls.length + rig.connector.activities.length;
  let res: LightMyRequestResponse;
  switch (c.channel) {
    case 'sms':
      res = await tried(label, rig.twilio.receive(rig.app, { from: c.address, body: text, messageSid: id }));
      if (res.statusCode !== 200 || twimlMessages(res.body).length === 0) missingReplies.push(label);
      return;
    case 'telegram':
      res = await tried(label, rig.telegramPost(textUpdate({ chatId: Number(c.address), ...(c.firstName !== undefined ? { firstName: c.firstName } : {}) }, text, Number(id))));
      break;
    case 'teams':
      res = await tried(label, rig.teamsPost(messageActivity(text, { user: c.teams!, serviceUrl: rig.connector.serviceUrl, id })));
      break;
    case 'web': {
      res = await tried(label, rig.app.inject({ method: 'POST', url: `/chat/api/visitors/${c.address}/messages`, payload: { messageId: id, text } }));
      if (res.statusCode !== 200 || !((res.json() as { replies?: unknown[] }).replies?.length)) missingReplies.push(label);
      return;
    }
    case 'whatsapp':
      throw new Error('WhatsApp is not in this rig: its text goes through the same pipeline as SMS');
  }
  if (res.statusCode >= 300 || rig.telegram.calls.length + rig.connector.activities.length === before) missingReplies.push(label);
}

/** HELP, a score and a comment: every reply quotes the survey's wording, the thank-you the name. */
async function converse(c: Customer, bad: string, label: string): Promise<void> {
  await say(c, 'HELP', `${label} HELP`);
  await say(c, '9', `${label} score`);
  await say(c, `great tea${bad} thanks`, `${label} comment`);
}

/** Every string in a stored document, however deep. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object' && !(value instanceof Date) && !('_bsontype' in value)) for (const v of Object.values(value)) strings(v, out);
  return out;
}

beforeAll(async () => {
  // The business's name, in every reply, from the environment with a BEL and an escape sequence in it.
  rig = await startRig({ logLevel: 'silent', env: { OWNER_ADDRESSES: `web:${webOwner}`, BUSINESS_NAME: 'Our\u0007 shop\u001b[1m' } });
});
afterAll(async () => rig?.close());

describe('control characters in free text', () => {
  it('are cleaned in every field, and every conversation after them is answered', { timeout: 300_000 }, async () => {
    const channels: ChannelName[] = ['sms', 'telegram', 'teams', 'web'];
    for (const [name, bad] of tries) {
      const x = (word: string) => `${word}${bad}${word}`;
      // API v1, the object context, on every channel.
      for (const channel of channels) {
        const c = await newCustomer(channel);
        const label = `${name} v1 ${channel}`;
        const started = await tried(label, rig.api('POST', '/api/v1/surveys', {
          kind: 'nps', channel, address: c.address, name: x('Ada'), tags: [x('vip')],
          context: { text: x('order'), product: x('Tea'), order: x('1042'), location: x('Leeds'), staff: x('Sam') },
        }));
        expect(started.statusCode, `${label}: ${started.body}`).toBe(201);
        await converse(c, bad, label);
        const customerId = (started.json() as { customerId?: string }).customerId ?? (await rig.app.store.surveys.latest('default', channel, c.address))[0]?.customerId;
        const patched = await tried(`${label} tags`, rig.app.inject({ method: 'PATCH', url: `/api/v1/customers/${customerId}`, headers: { 'x-api-key': secrets.apiKey, 'content-type': 'application/json' }, payload: JSON.stringify({ tags: [x('gold')] }) }));
        expect(patched.statusCode, patched.body).toBe(200);
      }
      // The first API (a string context), a CSV upload, the web chat's own name, and events.
      const first = await newCustomer('sms');
      expect((await tried(`${name} /api`, rig.api('POST', '/api/surveys', { kind: 'nps', channel: 'sms', address: first.address, name: x('Bo'), context: x('your visit') }))).statusCode).toBe(201);
      await converse(first, bad, `${name} /api sms`);
      const csv = await newCustomer('sms');
      const upload = await tried(`${name} csv`, rig.api('POST', '/api/v1/surveys', `kind,channel,address,name,context\nnps,sms,${csv.address},"${x('Cy').replace(/"/g, '""')}","${x('your order').replace(/"/g, '""')}"\n`, { 'content-type': 'text/csv' }));
      expect(upload.statusCode, upload.body).toBe(200);
      await converse(csv, bad, `${name} csv sms`);
      const visitor = await tried(`${name} web name`, rig.app.inject({ method: 'POST', url: '/chat/api/visitors', payload: { kind: 'nps', name: x('Di') } }));
      await converse({ channel: 'web', address: (visitor.json() as { visitorId: string }).visitorId }, bad, `${name} web visitor`);
      const events = await tried(`${name} events`, rig.api('POST', '/api/v1/events', [
        { type: 'purchase', at: '2026-03-01T10:00:00Z', source: x('shop'), sourceEventId: x(`p-${seq}`), customer: { externalId: x('crm') }, attributes: { product: x('Tea') } },
        { type: 'social_mention', at: '2026-03-01T10:00:00Z', source: 'x', sourceEventId: `s-${seq}`, customer: { phone: first.address }, attributes: { text: x('love it') } },
        { type: 'custom', at: '2026-03-01T10:00:00Z', source: 'x', sourceEventId: `c-${seq}`, customer: { phone: first.address }, attributes: { name: x('visit'), note: x('door') } },
      ]));
      expect(events.statusCode, events.body).toBeLessThan(300);
      // A one-time Telegram link with a name, context and tags, opened and answered.
      const invitation = await tried(`${name} invitation`, rig.api('POST', '/api/v1/invitations', { kind: 'nps', name: x('Eve'), context: x('your stay'), tags: [x('inv')] }));
      expect(invitation.statusCode, invitation.body).toBe(201);
      const chat = await newCustomer('telegram');
      await say(chat, `/start ${(invitation.json() as { token: string }).token}`, `${name} invitation opened`);
      await say(chat, '9', `${name} invitation score`);
      await say(chat, `great tea${bad} thanks`, `${name} invitation comment`);
      // The business's public link, opened by a chat whose shown name is nothing but the character.
      const named = { ...(await newCustomer('telegram')), firstName: bad };
      await say(named, '/start default', `${name} public link opened`);
      await converse(named, bad, `${name} public link`);
      // Names the business gives: an API key's, a staff member's.
      expect((await tried(`${name} api key name`, rig.api('POST', '/api/v1/api-keys', { name: x('CRM'), scopes: ['surveys:read'] }))).statusCode).toBe(201);
      expect((await tried(`${name} staff name`, rig.api('POST', '/api/v1/staff', { channel: 'sms', address: `+1415555${String(8000 + seq)}`, name: x('Sam') }))).statusCode).toBeLessThan(300);
      // A staff member's /survey context and /reply.
      const staffed = await newCustomer('sms');
      await tried(`${name} /survey`, rig.app.inject({ method: 'POST', url: `/chat/api/visitors/${webOwner}/messages`, payload: { messageId: `o-${++seq}`, text: `/survey nps ${staffed.address} ${x('your table')}` } }));
      await converse(staffed, bad, `${name} staff sms`);
      const [answered] = await rig.app.store.surveys.latest('default', 'sms', staffed.address);
      await tried(`${name} /reply`, rig.app.inject({ method: 'POST', url: `/chat/api/visitors/${webOwner}/messages`, payload: { messageId: `o-${++seq}`, text: `/reply ${answered!.id} ${x('sorry')}` } }));
    }

    let storedWithControl = 0;
    const examples: string[] = [];
    for (const collection of ['surveys', 'customers', 'events', 'outbox', 'web_messages', 'invitations', 'businesses', 'api_keys', 'staff', 'staff_identities']) {
      for (const doc of await rig.app.db.db!.collection(collection).find({}).toArray()) {
        for (const s of strings(doc)) {
          if (!forbidden.test(s)) continue;
          storedWithControl++;
          examples.push(`${collection}: ${JSON.stringify(s).slice(0, 80)}`);
        }
      }
    }
    const completed = await rig.app.db.db!.collection('surveys').countDocuments({ state: 'completed' });
    figure(`control characters in every text field (seed ${seed}): requests ${requests}, 5xx ${serverErrors.length}, replies missing ${missingReplies.length}, stored with a control character ${storedWithControl}, surveys completed ${completed}`);
    for (const e of [...serverErrors, ...missingReplies, ...examples].slice(0, 10)) figure(`  ${e}`);
    expect(serverErrors).toEqual([]);
    expect(missingReplies).toEqual([]);
    expect(examples).toEqual([]);
    // Every conversation ended with its comment stored once: 4 channels + first API + CSV + web visitor + invitation + public link + staff, per character.
    expect(completed).toBe(tries.length * 10);
  });
});
