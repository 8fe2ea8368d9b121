import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmsChannel } from '../../../src/channels/sms/index.js';
import { newSid, startFakeTwilio } from '../../helpers/fake-twilio.js';
import { accountSid, authToken, botNumber, publicUrl, startSmsHarness, type SmsHarness } from './harness.js';

const customer = '+14155550123';

describe('send() through the Twilio SDK', () => {
  let h: SmsHarness;
  beforeAll(async () => {
    h = await startSmsHarness();
  });
  afterAll(() => h.close());

  it('creates the message with to, from, body and the status callback URL', async () => {
    const delivery = await h.channel.send(customer, {
      text: 'How likely are you to recommend Our shop? Reply 0-10',
      choices: [{ label: '10', value: '10' }],
    });
    expect(delivery).toEqual({ status: 'sent', providerMessageId: expect.stringMatching(/^SM[0-9a-f]{32}$/) });
    expect(h.fake.messages).toHaveLength(1);
    expect(h.fake.messages[0]).toMatchObject({
      sid: delivery.providerMessageId,
      to: customer,
      from: botNumber,
      messagingServiceSid: null,
      body: 'How likely are you to recommend Our shop? Reply 0-10',
      statusCallback: `${publicUrl}/webhooks/twilio/status`,
    });
  });

  it('maps 21610 (unsubscribed recipient) to an opted-out failure', async () => {
    h.fake.failNext('unsubscribed');
    const delivery = await h.channel.send(customer, { text: 'Hi!' });
    expect(delivery).toEqual({ status: 'failed', optedOut: true, error: '21610' });
  });

  it('maps 429 and 500 to retryable failures; after a 500 the message may have gone', async () => {
    h.fake.failNext('rate-limit');
    h.fake.failNext('server-error');
    expect(await h.channel.send(customer, { text: 'Hi!' })).toEqual({ status: 'failed', retryable: true, error: '20429' });
    expect(await h.channel.send(customer, { text: 'Hi!' })).toEqual({ status: 'failed', retryable: true, unanswered: true, error: '20500' });
  });

  it('finds a message a messaging service sent with Smart Encoding in Twilio’s list, though its quotes and dashes changed', async () => {
    const fake = await startFakeTwilio({ accountSid, authToken, publicUrl, smartEncoding: true });
    try {
      const service = `MG${'e'.repeat(32)}`;
      const channel = createSmsChannel({ ...h.config.twilio!, from: service, apiBaseUrl: fake.baseUrl, publicUrl, defaultCountry: 'US' }, { log: pino({ level: 'silent' }) });
      const since = new Date();
      const message = { text: 'Obrigado! Conte-nos: “o que faltou?” — responda… it’s quick' };
      const sent = await channel.send(customer, message);
      expect(fake.messages.map((m) => m.body)).toEqual(['Obrigado! Conte-nos: "o que faltou?" - responda... it\'s quick']);
      expect(await channel.sentSince!(customer, [message, { text: 'Something else' }], since)).toEqual([sent.providerMessageId, false]);
    } finally {
      await fake.close();
    }
  });

  it('refuses a number that cannot be a phone number without calling Twilio', async () => {
    const before = h.fake.attempts;
    expect(await h.channel.send('12345', { text: 'Hi!' })).toEqual({ status: 'failed', error: 'invalid_number' });
    expect(h.fake.attempts).toBe(before);
  });

  it('records status callbacks for the message it sent', async () => {
    const delivery = await h.channel.send(customer, { text: 'Thanks!' });
    const message = h.fake.messages.find((m) => m.sid === delivery.providerMessageId)!;
    expect((await h.fake.postStatus(h.app, message, 'sent')).statusCode).toBe(204);
    expect((await h.fake.postStatus(h.app, message, 'undelivered', '30003')).statusCode).toBe(204);
    expect(await h.deliveries()).toEqual([
      { channel: 'sms', providerMessageId: message.sid, status: 'sent', at: expect.any(Date) },
      { channel: 'sms', providerMessageId: message.sid, status: 'undelivered', errorCode: '30003', at: expect.any(Date) },
    ]);
  });
});

describe('send() failures outside the API', () => {
  const config = {
    accountSid,
    authToken,
    from: botNumber,
    ratePerSecond: 50,
    publicUrl,
    defaultCountry: 'US',
  };
  const deps = {
    handleInbound: () => Promise.reject(new Error('not used')),
    recordDelivery: () => Promise.reject(new Error('not used')),
    recordOptOut: () => Promise.reject(new Error('not used')),
    recordOptIn: () => Promise.reject(new Error('not used')),
    log: pino({ level: 'silent' }),
  };

  it('maps a refused connection to a retryable failure that carried nothing', async () => {
    const channel = createSmsChannel({ ...config, apiBaseUrl: 'http://127.0.0.1:9' }, deps);
    const delivery = await channel.send(customer, { text: 'Hi!' });
    expect(delivery).toEqual({ status: 'failed', retryable: true, error: 'ECONNREFUSED' });
  });

  it('with no send slot (the shared slots unreachable), sends nothing and fails retryably as pacing_unavailable', async () => {
    const h = await startSmsHarness();
    try {
      const slots = { claim: () => Promise.reject(new Error('database unreachable')) };
      const channel = createSmsChannel({ ...config, apiBaseUrl: h.fake.baseUrl }, deps, { slots });
      expect(await channel.send(customer, { text: 'Hi!' })).toEqual({ status: 'failed', error: 'pacing_unavailable', retryable: true });
      expect(h.fake.attempts).toBe(0);
    } finally {
      await h.close();
    }
  });

  it('maps a wrong auth token (401) to a final failure with the Twilio code', async () => {
    const h = await startSmsHarness();
    try {
      const channel = createSmsChannel({ ...config, authToken: 'wrong-token', apiBaseUrl: h.fake.baseUrl }, deps);
      expect(await channel.send(customer, { text: 'Hi!' })).toEqual({ status: 'failed', error: '20003' });
      expect(h.fake.messages).toHaveLength(0);
    } finally {
      await h.close();
    }
  });

  it('sends through a messaging service when the sender is an MG sid', async () => {
    const service = newSid('MG');
    const h = await startSmsHarness({ TWILIO_FROM: service });
    try {
      const delivery = await h.channel.send(customer, { text: 'Hi!' });
      expect(delivery.status).toBe('sent');
      expect(h.fake.messages[0]).toMatchObject({ from: null, messagingServiceSid: service, status: 'accepted' });
    } finally {
      await h.close();
    }
  });
});

describe('status callbacks', () => {
  let h: SmsHarness;
  beforeAll(async () => {
    h = await startSmsHarness();
  });
  afterAll(() => h.close());

  const sent = () => ({
    sid: newSid('SM'),
    via: 'api' as const,
    to: customer,
    from: botNumber,
    messagingServiceSid: null,
    body: 'Hi!',
    statusCallback: `${publicUrl}/webhooks/twilio/status`,
    status: 'queued',
    numSegments: 1,
    dateCreated: new Date(),
  });

  it('refuses a forged status callback and records nothing', async () => {
    const params = { MessageSid: newSid('SM'), MessageStatus: 'delivered' };
    const res = await h.fake.signedPost(h.app, `${publicUrl}/webhooks/twilio/status`, params, 'Zm9yZ2Vk');
    expect(res.statusCode).toBe(403);
    expect(await h.deliveries()).toEqual([]);
  });

  it('answers 400 when MessageStatus is missing', async () => {
    const res = await h.fake.signedPost(h.app, `${publicUrl}/webhooks/twilio/status`, { MessageSid: newSid('SM') });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe('MessageStatus: MessageStatus is required');
  });

  it('marks the recipient opted out on error 21610', async () => {
    const message = sent();
    expect((await h.fake.postStatus(h.app, message, 'failed', '21610')).statusCode).toBe(204);
    expect(await h.deliveries()).toContainEqual(expect.objectContaining({ providerMessageId: message.sid, status: 'failed', errorCode: '21610' }));
    expect(await h.optOuts()).toEqual([{ channel: 'sms', address: customer, reason: 'carrier opt-out 21610' }]);
  });

  it('ignores statuses that are not delivery reports', async () => {
    const before = (await h.deliveries()).length;
    expect((await h.fake.postStatus(h.app, sent(), 'receiving')).statusCode).toBe(204);
    expect(await h.deliveries()).toHaveLength(before);
  });
});
