/**
 * Everything the server logged (level debug) while full surveys ran on every channel, with STOPs,
 * staff commands, API calls, refused webhooks, provider failures of every kind and the digest, is
 * scanned for what must never be in a log:
 *   log scan: lines N, phone numbers 0, chat ids 0, visitor ids 0, teams user ids 0, tokens and secrets 0, comment texts 0
 * Web chat visitor ids (the key to a transcript) are counted too, request URLs included.
 */
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hours } from '../helpers/clock.js';
import { installActivity, messageActivity, teamsUser } from '../helpers/fake-bot-connector.js';
import { blockUpdate, textUpdate } from '../helpers/fake-telegram.js';
import { newSid } from '../helpers/fake-twilio.js';
import { expectZero, figure } from './figures.js';
import { describeLeaks, scanLogs, sensitive } from './log-scan.js';
import { startRig, type Rig } from './rig.js';

const ownerPhone = '+14155559100';
const ownerChat = 999_000_222;
let rig: Rig;
/** What the SDKs print with console.error goes to the server's stderr: scanned too. */
const consoleErrors: string[] = [];

beforeAll(async () => {
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void consoleErrors.push(args.map((a) => (a instanceof Error ? inspect(a, { depth: 6 }) : String(a))).join(' ')));
  rig = await startRig({ env: { OWNER_ADDRESSES: `sms:${ownerPhone}` } });
});
afterAll(async () => {
  await rig?.close();
  vi.restoreAllMocks();
});

describe('log scan', () => {
  it('would see each kind of leak (the scan itself)', () => {
    const found = sensitive();
    found.phones.add('+14155554700');
    found.chatIds.add('850000100');
    found.visitorIds.add('v_42462dd4f6b2c1081942af15cb0ccc43');
    found.teamsUsers.add('1f0e2d3c-aaaa-4bbb-8ccc-0123456789ab');
    found.comments.add('Zephyr quill marker 1');
    const lines = [
      '{"msg":"to (415) 555-4700"}',
      '{"chatId":850000100}',
      // Partly masked by the logger's digit-run rule, still a leak.
      '{"url":"/chat/api/visitors/v_42462dd4f6b2c***42af15cb0ccc43/messages"}',
      '{"user":"1f0e2d3c-aaaa-4bbb-8ccc-0123456789ab"}',
      '{"authorization":"Bearer eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL3gifQ.c2lnbmF0dXJlLXBhcnQ"}',
      '{"msg":"Zephyr quill marker 1 was said"}',
      '{"chatId":"***00","msg":"masked 8500001000 is another number"}',
    ];
    expect(scanLogs(lines, found).leaks).toEqual({ 'phone numbers': 1, 'chat ids': 1, 'visitor ids': 1, 'teams user ids': 1, 'tokens and secrets': 1, 'comment texts': 1 });
  });

  it('finds no phone number, chat id, visitor id, token, secret, API key or comment text', { timeout: 60_000 }, async () => {
    const found = sensitive();
    found.phones.add(ownerPhone);
    found.chatIds.add(String(ownerChat));
    let n = 0;
    const comment = () => {
      const text = `Zephyr quill marker ${++n} the waiter was lovely`;
      found.comments.add(text);
      return text;
    };

    // SMS: full surveys, a STOP, a refused signature, and Twilio failing a send each way it can.
    for (let i = 0; i < 4; i++) {
      const phone = `+1415555${String(4700 + i)}`;
      found.phones.add(phone);
      if (i === 1) rig.twilio.failNext('server-error');
      if (i === 2) rig.twilio.failNext('rate-limit');
      if (i === 3) rig.twilio.failNext('unsubscribed');
      await rig.api('POST', '/api/surveys', { kind: 'nps', channel: 'sms', address: phone, name: 'Ada' });
      await rig.twilio.receive(rig.app, { from: phone, body: String(i * 3) });
      await rig.twilio.receive(rig.app, { from: phone, body: comment() });
      if (i === 0) await rig.twilio.receive(rig.app, { from: phone, body: 'STOP' });
    }
    await rig.twilioPost('/webhooks/twilio/sms', { MessageSid: newSid('SM'), From: '+14155554799', Body: comment() }, 'Zm9yZ2Vk');
    found.phones.add('+14155554799');
    const sent = rig.twilio.messages.find((m) => m.via === 'api');
    if (sent) await rig.twilio.postStatus(rig.app, sent, 'undelivered', '30003');
    // A national number in a body the API refuses (the reason names it).
    await rig.api('POST', '/api/surveys', { kind: 'nps', channel: 'sms', address: '415 555 47' });

    // Telegram: full surveys, a block, and the Bot API failing replies.
    for (let i = 0; i < 4; i++) {
      const chatId = 850_000_100 + i;
      found.chatIds.add(String(chatId));
      await rig.api('POST', '/api/surveys', { kind: 'csat', channel: 'telegram', address: String(chatId) });
      if (i === 1) rig.telegram.failNext('500', 'sendMessage');
      if (i === 2) rig.telegram.failNext('reset', 'sendMessage');
      if (i === 3) rig.telegram.failNext('403', 'sendMessage');
      await rig.telegramPost(textUpdate({ chatId }, String(i + 1)));
      await rig.telegramPost(textUpdate({ chatId }, comment()));
    }
    await rig.telegramPost(blockUpdate({ chatId: 850_000_100 }, 'kicked'));
    await rig.telegramPost(textUpdate({ chatId: 850_000_101 }, 'hi'), { 'x-telegram-bot-api-secret-token': 'wrong-secret-0123456789' });

    // Teams: installs, full surveys, a refused send and an activity that is not one.
    for (let i = 0; i < 3; i++) {
      const user = teamsUser(`Grace ${i}`);
      found.teamsUsers.add(user.aadObjectId);
      found.teamsUsers.add(user.id);
      await rig.teamsPost(installActivity({ user, serviceUrl: rig.connector.serviceUrl }));
      if (i === 1) rig.connector.failNext({ status: 429, retryAfter: '0' });
      await rig.api('POST', '/api/surveys', { kind: 'ces', channel: 'teams', address: user.aadObjectId });
      await rig.teamsPost(messageActivity(String(i + 2), { user, serviceUrl: rig.connector.serviceUrl }));
      if (i === 2) rig.connector.failNext({ status: 403, code: 'ConversationBlockedByUser' });
      await rig.teamsPost(messageActivity(comment(), { user, serviceUrl: rig.connector.serviceUrl }));
    }
    await rig.teamsPost({ ...messageActivity('9', { user: teamsUser(), serviceUrl: rig.connector.serviceUrl }), from: { id: { $gt: '' } } });

    // Web chat: full surveys.
    for (let i = 0; i < 3; i++) {
      const res = await rig.app.inject({ method: 'POST', url: '/chat/api/visitors', payload: { kind: 'nps', name: 'Lin' } });
      const { visitorId } = res.json() as { visitorId: string };
      found.visitorIds.add(visitorId);
      const post = (messageId: string, body: object) => rig.app.inject({ method: 'POST', url: `/chat/api/visitors/${visitorId}/messages`, payload: { messageId, ...body } });
      await post('a', { choice: String(i * 4) });
      await post('b', { text: comment() });
      await rig.app.inject({ method: 'GET', url: `/chat/api/visitors/${visitorId}/messages` });
    }

    // Staff and the API: commands naming customers, a reply, exports, a wrong key; then the digest.
    // (The Telegram owner joins only now: the detractor alerts above would wait for Telegram's 1 message a second per chat.)
    await rig.api('POST', '/api/staff', { channel: 'telegram', address: String(ownerChat), role: 'owner' });
    await rig.app.alerts.drain();
    await rig.telegramPost(textUpdate({ chatId: ownerChat }, '/survey nps +14155554710 the new menu'));
    found.phones.add('+14155554710');
    await rig.telegramPost(textUpdate({ chatId: ownerChat }, `/survey nps telegram:${850_000_100}`));
    const [detractor] = await rig.app.store.surveys.latest('default', 'sms', '+14155554700');
    if (detractor) await rig.twilio.receive(rig.app, { from: ownerPhone, body: `/reply ${detractor.id} ${comment()}` });
    await rig.twilio.receive(rig.app, { from: ownerPhone, body: '/stats 7d' });
    await rig.api('GET', '/api/export.csv');
    await rig.api('GET', '/api/export.jsonl');
    // A customer's data export and erasure (the erasure logs what it changed, never what it erased).
    const erased = (await rig.app.store.customers.find({ businessId: 'default', channel: 'sms', address: '+14155554701' }))!;
    expect((await rig.api('GET', `/api/customers/${erased.id}/export`)).statusCode).toBe(200);
    expect((await rig.api('DELETE', `/api/customers/${erased.id}`)).statusCode).toBe(200);
    await rig.api('GET', '/api/stats?period=7d', undefined, { 'x-api-key': 'wrong-key-0123456789abcdef' });
    await rig.api('POST', '/api/staff', { channel: 'sms', address: '+14155554711' });
    found.phones.add('+14155554711');
    await rig.app.alerts.drain();
    await (await rig.app.businesses.get('default'))!.pipeline.drain();
    rig.clock.advance(hours(7 * 24));
    await rig.app.sweeper.sweep();
    await rig.app.sweeper.sweep();

    const scan = scanLogs([...rig.logs.lines, ...consoleErrors], found);
    figure(`log scan: lines ${scan.lines}, ${describeLeaks(scan.leaks)}`);
    for (const example of scan.examples) figure(`  ${example}`);
    expect(scan.lines).toBeGreaterThan(100);
    const { 'visitor ids': visitorIds, ...rest } = scan.leaks;
    figure(`log scan, web chat visitor ids: lines with a visitor id ${visitorIds}`);
    expect(visitorIds).toBe(0);
    expectZero('leaks in the logs', rest);
  });
});
