import { recordEvents } from '../../src/insights/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../src/errors.js';
import { TestClock } from '../helpers/clock.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { newSid, startFakeTwilio, type FakeTwilio } from '../helpers/fake-twilio.js';
import { accountSid, authToken, publicUrl, smsEnv } from '../channels/sms/harness.js';
import { say, transcript, visitor } from '../staff/web-chat.js';
import { startReceiver, type Receiver } from '../outbound-webhooks/receiver.js';

const key = 'k_test_0123456789abcdef';
const headers = { 'x-api-key': key };

// The erased person: what must be found nowhere afterwards.
const name = 'Zelda Quinterro';
const comment = 'The courier left my parcel in the rain on Wexbridge Lane';
const replyText = 'So sorry Zelda, a refund for the soaked parcel is on its way';
// The same person's phone, linked to the web chat as a Telegram invitation links addresses.
const phone = '+14155550142';
const smsComment = 'Second box arrived wet as well, Wexbridge Lane again';
const email = 'zq.parcels@example.com';
// Another customer, who must keep everything.
const otherName = 'Olwen Marchetti';
const otherComment = 'Lovely flat white and friendly baristas';

describe('GDPR export and erasure of one customer', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let server: TestServer;
  let fake: FakeTwilio;
  let receiver: Receiver;
  let customer = '';
  let customerId = '';
  let surveyId = '';
  let other = '';
  let otherId = '';
  let statsBefore: unknown;
  let exported: Record<string, unknown[]>;
  let erasure: Record<string, unknown>;

  const api = (method: 'GET' | 'DELETE' | 'POST', url: string, payload?: object) => server.app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });
  const newVisitor = async (visitorName: string) => {
    const res = await server.app.inject({ method: 'POST', url: '/chat/api/visitors', payload: { kind: 'nps', name: visitorName } });
    expect(res.statusCode).toBe(201);
    return res.json().visitorId as string;
  };
  const customerAt = async (address: string) => (await server.app.store.customers.find({ businessId: (await server.app.businesses.get('default'))!.settings.id, channel: 'web', address }))!;

  /** Every document of every collection in the database, as JSON text. */
  const everything = async () => {
    const db = server.app.db.db!;
    const collections = await db.listCollections().toArray();
    const docs: Array<{ collection: string; json: string }> = [];
    for (const { name: collection } of collections) {
      for (const doc of await db.collection(collection).find({}).toArray()) docs.push({ collection, json: JSON.stringify(doc) });
    }
    return { collections: collections.map((c) => c.name).sort(), docs };
  };

  beforeAll(async () => {
    [fake, receiver] = await Promise.all([startFakeTwilio({ accountSid, authToken, publicUrl }), startReceiver()]);
    server = await buildTestServer(smsEnv(fake, { WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0', API_KEY: key, THROTTLE_DAYS: '0', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' }), { now: clock.now });
    const { app } = server;
    // The owner reads alerts and answers in the web chat.
    // The business's own system gets every webhook event (survey.completed carries the comment).
    const events = ['survey.scored', 'survey.completed', 'survey.expired', 'customer.opted_out', 'detractor.alert'];
    await app.outboundWebhooks.subscribe((await app.businesses.get('default'))!.settings.id, { url: receiver.url, events });
    const settle = async () => {
      await app.outboundWebhooks.drain();
      await app.sweeper.sweep();
    };
    const owner = visitor();
    expect((await api('POST', '/staff', { channel: 'web', address: owner, role: 'owner' })).statusCode).toBe(201);

    customer = await newVisitor(name);
    await say(app, customer, '3');
    await say(app, customer, comment);
    surveyId = (await app.store.surveys.latest((await app.businesses.get('default'))!.settings.id, 'web', customer))[0]!.id;
    expect((await say(app, owner, `/reply ${surveyId} ${replyText}`)).join(' ')).not.toMatch(/not sent/i);
    await say(app, customer, 'STOP');
    customerId = (await customerAt(customer)).id;
    expect((await customerAt(customer)).optedOutAt).toBeDefined();

    expect((await api('POST', '/surveys', { kind: 'csat', channel: 'sms', address: phone, name })).json().status).toBe('sent');
    await fake.receive(app, { from: phone, body: '2', messageSid: newSid('SM') });
    await fake.receive(app, { from: phone, body: smsComment, messageSid: newSid('SM') });
    const sms = (await app.store.customers.find({ businessId: (await app.businesses.get('default'))!.settings.id, channel: 'sms', address: phone }))!;
    await app.store.customers.setPerson(customerId, customerId);
    await app.store.customers.setPerson(sms.id, customerId);
    // Another system told us about the same phone: a mention quoting her, and her e-mail on a purchase.
    const recorded = await recordEvents(app.store, (await app.businesses.get('default'))!.settings.id, [
      { type: 'social_mention', at: '2026-03-10T12:00:00Z', source: 'social', sourceEventId: 'm-1', customer: { phone }, attributes: { text: `${name} says the parcel got wet on Wexbridge Lane` } },
      { type: 'purchase', at: '2026-03-09T12:00:00Z', source: 'shop', sourceEventId: 'p-1', customer: { email }, attributes: { product: 'Rain cover' } },
    ], { country: 'US', now: app.now() });
    expect(recorded.map((e) => e.status)).toEqual(['created', 'created']);
    const byEmail = await app.store.customers.model.findOne({ businessId: (await app.businesses.get('default'))!.settings.id, email }).lean();
    await app.store.customers.setPerson(String(byEmail!._id), customerId);

    other = await newVisitor(otherName);
    await say(app, other, '10');
    await say(app, other, otherComment);
    otherId = (await customerAt(other)).id;

    await settle();
    // The owner's chat now quotes both customers: detractor alerts and the digest of the week (sent by
    // the sweeper on Monday through the outbox, and asked for with /digest).
    clock.advance(7 * 86_400_000);
    await settle();
    await settle();
    await say(app, owner, '/digest');
    // Housekeeping forgot the week-old message ids; a new message (answered with nothing: opted out) leaves one.
    await say(app, customer, 'hello again');
    const ownerChat = (await transcript(app, owner)).join('\n');
    expect(ownerChat).toContain(comment);
    expect(ownerChat).toContain(name);

    // Before: the person is all over the database (so finding them nowhere afterwards means something).
    const before = await everything();
    const holding = new Set(before.docs.filter((d) => d.json.includes(customer) || d.json.includes(comment)).map((d) => d.collection));
    expect([...holding]).toEqual(expect.arrayContaining(['customers', 'surveys', 'web_messages', 'outbox', 'inbound', 'webhook_deliveries']));

    statsBefore = (await api('GET', '/stats')).json();
    const res = await api('GET', `/customers/${customerId}/export`);
    expect(res.statusCode).toBe(200);
    exported = res.json();
    const erased = await api('DELETE', `/customers/${customerId}`);
    expect(erased.statusCode).toBe(200);
    erasure = erased.json();
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
    await receiver?.close();
  });

  it('exports the customer, their survey with comment and reply, their chat and what was sent to them', () => {
    expect(exported.customers).toHaveLength(3); // web chat, SMS, and the e-mail another system named
    expect((exported.events as Array<{ type: string }>).map((e) => e.type).sort()).toEqual(['purchase', 'social_mention']);
    expect(exported.customers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: customerId, channel: 'web', address: customer, name, optOutReason: 'replied STOP' }),
        expect.objectContaining({ channel: 'sms', address: phone, name, personId: customerId }),
      ]),
    );
    expect(exported.surveys).toEqual([
      expect.objectContaining({ id: surveyId, score: 3, band: 'detractor', comment, customerName: name, replies: [expect.objectContaining({ text: replyText })] }),
      expect.objectContaining({ channel: 'sms', address: phone, kind: 'csat', score: 2, comment: smsComment }),
    ]);
    expect((exported.outbox as Array<{ address: string }>).some((o) => o.address === phone)).toBe(true);
    const chat = exported.webTranscript as Array<{ from: string; text: string }>;
    expect(chat).toContainEqual(expect.objectContaining({ from: 'visitor', text: comment }));
    expect(chat).toContainEqual(expect.objectContaining({ from: 'bot', text: replyText }));
    const outbox = exported.outbox as Array<{ purpose: string; address: string }>;
    expect(outbox.filter((o) => o.address === customer).map((o) => o.purpose)).toEqual(expect.arrayContaining(['invitation', 'reply']));
    expect(outbox.some((o) => o.purpose === 'alert')).toBe(true); // alerts to the owner about their survey
    expect(exported.staffIdentities).toEqual([]);
    const hooks = exported.webhookDeliveries as Array<{ eventType: string; body: { data: { comment?: string } } }>;
    expect(hooks.find((h) => h.eventType === 'survey.completed' && h.body.data.comment === comment)).toBeDefined();
    expect(hooks.some((h) => h.eventType === 'customer.opted_out')).toBe(true);
    const digests = exported.digests as Array<{ lines: string[] }>;
    expect(digests.flatMap((d) => d.lines).some((line) => line.includes(comment))).toBe(true);
    expect(JSON.stringify(exported)).not.toContain(otherComment);
    expect(JSON.stringify(exported)).not.toContain(other);
  });

  it('leaves their address, name, comment and the reply to them in no document of any collection', async () => {
    const { collections, docs } = await everything();
    expect(collections).toEqual(expect.arrayContaining(['customers', 'surveys', 'outbox', 'web_messages', 'week_counts', 'staff', 'staff_identities']));
    const needles = [customer, name, 'Zelda', 'Quinterro', comment, replyText, 'Wexbridge', phone, phone.slice(2), smsComment, email];
    const found = docs.filter((d) => needles.some((n) => d.json.includes(n))).map((d) => `${d.collection}: ${d.json.slice(0, 200)}`);
    expect(found).toEqual([]);
    expect(erasure).toMatchObject({ customerId, alreadyErased: false, customers: 3, surveys: 2, events: 2, optOutsKept: 1 });
    expect(erasure.quotesRedacted).toBeGreaterThan(0);
    expect(erasure.webhookDeliveries).toBe(2); // survey.completed of the web and of the SMS survey
  });

  it("keeps the other customer's data, the anonymous survey and every metric", async () => {
    const { docs } = await everything();
    expect(docs.some((d) => d.collection === 'surveys' && d.json.includes(otherComment))).toBe(true);
    const theirs = await api('GET', `/customers/${otherId}/export`);
    expect(theirs.json().surveys).toEqual([expect.objectContaining({ comment: otherComment, customerName: otherName })]);
    expect((await api('GET', '/stats')).json()).toEqual(statsBefore);
    const anonymous = await api('GET', `/surveys/${surveyId}`);
    expect(anonymous.json()).toMatchObject({ score: 3, band: 'detractor', state: 'completed', comment: null, customerName: null, replies: [] });
    expect(anonymous.json().firstReplyAt).not.toBeNull();
    const csv = (await api('GET', '/surveys/export?format=csv')).body.trim().split('\r\n');
    expect(csv).toHaveLength(4); // header and the three surveys
  });

  it('keeps the opt-out: the erased address is not surveyed again, and is still not stored', async () => {
    const again = await api('POST', '/surveys', { kind: 'nps', channel: 'web', address: customer });
    expect(again.json().status).toBe('opted_out');
    // An upload's rows find the kept opt-out too, beside a new address in the same upload.
    const uploaded = await api('POST', '/surveys', [
      { kind: 'nps', channel: 'web', address: customer },
      { kind: 'nps', channel: 'web', address: visitor() },
    ]);
    expect(uploaded.json().results.map((r: { status: string }) => r.status)).toEqual(['opted_out', 'queued']);
    const { docs } = await everything();
    expect(docs.filter((d) => d.json.includes(customer))).toEqual([]);
    // A new address of nobody opted out is surveyed as usual.
    expect((await api('POST', '/surveys', { kind: 'nps', channel: 'web', address: visitor() })).json().status).toBe('sent');
  });

  it('is safe to run twice, and the tombstone is all that is left of the customer', async () => {
    const second = await api('DELETE', `/customers/${customerId}`);
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({ alreadyErased: true, customers: 0, surveys: 0 });
    const after = (await api('GET', `/customers/${customerId}/export`)).json();
    expect(after.customers).toEqual([expect.objectContaining({ id: customerId, tags: [], erasedAt: expect.any(String) })]);
    expect(Object.keys(after.customers[0])).not.toContain('name');
    expect(after.surveys).toEqual([expect.objectContaining({ id: surveyId, score: 3, comment: null, customerName: null, replies: [] })]);
  });

  it('lets the erased address opt back in, as a new customer tied to none of the old surveys', async () => {
    await say(server.app, customer, 'START');
    const back = await customerAt(customer);
    expect(back).toMatchObject({ address: customer });
    expect(back.optedOutAt).toBeUndefined();
    expect(back.id).not.toBe(customerId);
    expect((await api('POST', '/surveys', { kind: 'nps', channel: 'web', address: customer })).json().status).toBe('sent');
  });

  it('refuses a bad id, an unknown customer and a missing key', async () => {
    // An id that is no id names no customer.
    expect((await api('DELETE', '/customers/not-an-id')).statusCode).toBe(404);
    expect((await api('GET', '/customers/123/export')).statusCode).toBe(404);
    expect((await api('DELETE', '/customers/0123456789abcdef01234567')).statusCode).toBe(404);
    expect((await server.app.inject({ method: 'DELETE', url: `/api/v1/customers/${otherId}` })).statusCode).toBe(401);
    expect((await api('GET', `/customers/${otherId}/export`)).statusCode).toBe(200);
    // Business-scoped: the same customer id is no customer of another business.
    await expect(server.app.privacy.exportCustomer('another-business', otherId)).rejects.toThrow(NotFoundError);
    await expect(server.app.privacy.eraseCustomer('another-business', otherId)).rejects.toThrow(NotFoundError);
    expect((await api('GET', `/customers/${otherId}/export`)).json().surveys).toEqual([expect.objectContaining({ comment: otherComment })]);
  });
});
