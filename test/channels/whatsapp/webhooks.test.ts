import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelIdentitiesInput, toStored, businessInput } from '../../../src/businesses/settings.js';
import { SecretBox } from '../../../src/security/secret-box.js';
import { apiKey, startWhatsappHarness, type WhatsappHarness } from './harness.js';

describe('WhatsApp identity: one schema, sealed like the others', () => {
  const identity = { accountSid: `AC${'3'.repeat(32)}`, authToken: 'whatsapp-token-abcdef', from: 'whatsapp:+15005550006' };

  it('takes a whatsapp: sender or a messaging service, with templates, and refuses others with the reason', () => {
    expect(channelIdentitiesInput.parse({ whatsapp: identity }).whatsapp).toMatchObject({ ratePerSecond: 80, templates: [] });
    expect(channelIdentitiesInput.safeParse({ whatsapp: { ...identity, from: `MG${'a'.repeat(32)}` } }).success).toBe(true);
    const bare = channelIdentitiesInput.safeParse({ whatsapp: { ...identity, from: '+15005550006' } });
    expect(bare.error?.issues[0]?.message).toContain('whatsapp:+15551234567');
    const template = { purpose: 'invitation', locale: 'ur', contentSid: `HX${'b'.repeat(32)}`, variables: ['firstName', 'business'] };
    expect(channelIdentitiesInput.parse({ whatsapp: { ...identity, templates: [template] } }).whatsapp?.templates).toEqual([template]);
    const unknown = channelIdentitiesInput.safeParse({ whatsapp: { ...identity, templates: [{ ...template, variables: ['phone'] }] } });
    expect(unknown.success).toBe(false);
    const endpoint = channelIdentitiesInput.safeParse({ whatsapp: { ...identity, apiBaseUrl: 'http://127.0.0.1:1' } });
    expect(endpoint.error?.issues[0]?.message).toContain('provider endpoints belong to the deployment');
  });

  it('is stored sealed: the auth token is not readable in what is stored', () => {
    const box = new SecretBox(Buffer.alloc(32, 7));
    const { settings, sealed } = toStored(businessInput.parse({ id: 'chai', name: 'Chai', channels: { whatsapp: identity } }), box);
    expect(settings.channelNames).toEqual(['whatsapp']);
    expect(sealed).not.toContain(identity.authToken);
    expect(JSON.parse(box.open(sealed)).whatsapp.authToken).toBe(identity.authToken);
  });
});

describe('WhatsApp webhooks: signed messages and status callbacks', () => {
  let h: WhatsappHarness;
  beforeAll(async () => {
    h = await startWhatsappHarness();
  });
  afterAll(() => h?.close());

  it('a forged signature is refused with 403 and changes nothing; a body that is no Twilio form is a 415', async () => {
    const customer = '+923001234510';
    const { surveyId } = await h.start({ kind: 'nps', address: customer, locale: 'en' });
    const sent = h.fake.messages.length;
    const forged = await h.fake.receive(h.app, customer, '10', { signature: 'Zm9yZ2Vk' });
    expect(forged.statusCode).toBe(403);
    expect(await h.survey(surveyId)).toMatchObject({ state: 'invited' });
    expect(h.fake.messages.length).toBe(sent);

    const noFrom = await h.app.inject({ method: 'POST', url: '/webhooks/twilio/whatsapp', headers: { 'content-type': 'application/json' }, payload: '{}' });
    expect(noFrom.statusCode).toBe(415);
  });

  it('the same message delivered twice is answered and counted once', async () => {
    const customer = '+923001234511';
    const { surveyId } = await h.start({ kind: 'nps', address: customer, locale: 'en' });
    const first = await h.fake.receive(h.app, customer, '3', { messageSid: `SM${'d'.repeat(32)}` });
    const again = await h.fake.receive(h.app, customer, '3', { messageSid: `SM${'d'.repeat(32)}` });
    expect([first.statusCode, again.statusCode]).toEqual([200, 200]);
    expect(await h.survey(surveyId)).toMatchObject({ state: 'awaiting_comment', score: 3 });
    // The invitation and one follow-up question.
    expect(h.fake.to(customer)).toHaveLength(2);
  });

  it('status callbacks (queued, sent, delivered, read, failed, undelivered) are recorded on the message', async () => {
    const customer = '+923001234512';
    await h.start({ kind: 'nps', address: customer, locale: 'en' });
    const [invitation] = h.fake.to(customer);
    expect(invitation!.statusCallback).toBe('https://bot.example.test/b/default/webhooks/twilio/whatsapp/status');
    const outbox = () => h.app.db.collection('outbox').findOne({ providerMessageId: invitation!.sid });
    for (const status of ['queued', 'sent', 'delivered', 'read']) expect((await h.fake.postStatus(h.app, invitation!, status)).statusCode).toBe(204);
    expect((await outbox())?.deliveryStatus).toBe('read');

    const other = '+923001234513';
    await h.start({ kind: 'nps', address: other, locale: 'en' });
    const [lost] = h.fake.to(other);
    expect((await h.fake.postStatus(h.app, lost!, 'undelivered', '63024')).statusCode).toBe(204);
    const record = await h.app.db.collection('outbox').findOne({ providerMessageId: lost!.sid });
    expect(record).toMatchObject({ deliveryStatus: 'undelivered', error: '63024' });

    const forged = await h.app.inject({ method: 'POST', url: '/webhooks/twilio/whatsapp/status', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'bm9wZQ==' }, payload: `MessageSid=${lost!.sid}&MessageStatus=failed` });
    expect(forged.statusCode).toBe(403);
  });

  it("an erasure forgets when the person last wrote (their window)", async () => {
    const customer = '+923001234514';
    const { surveyId } = await h.start({ kind: 'nps', address: customer, locale: 'en' });
    await h.fake.receive(h.app, customer, '9');
    const windows = () => h.app.db.collection('chat_windows').countDocuments({});
    const before = await windows();
    const { customerId } = await h.survey(surveyId);
    const erased = await h.app.inject({ method: 'DELETE', url: `/api/v1/customers/${String(customerId)}`, headers: { 'x-api-key': apiKey } });
    expect(erased.statusCode, erased.body).toBe(200);
    expect(await windows()).toBe(before - 1);
  });
});
