import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import twilio from 'twilio';
import { newSid, twimlMessages } from '../../helpers/fake-twilio.js';
import { authToken, publicUrl, startSmsHarness, type SmsHarness } from './harness.js';

const customer = '+14155550123';
const empty = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

const messagesIn = twimlMessages;

describe('POST /webhooks/twilio/sms', () => {
  let h: SmsHarness;
  beforeAll(async () => {
    h = await startSmsHarness();
  });
  afterAll(() => h.close());

  it('refuses a forged signature with 403 and stores nothing', async () => {
    const params = { MessageSid: newSid('SM'), From: customer, Body: '9' };
    const res = await h.fake.signedPost(h.app, `${publicUrl}/webhooks/twilio/sms`, params, 'bm90IGEgc2lnbmF0dXJl');
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ error: 'forbidden', message: expect.stringMatching(/signature/i) });
    expect(await h.inbound()).toEqual([]);
  });

  it('refuses a request without a signature', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/webhooks/twilio/sms',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `MessageSid=${newSid('SM')}&From=%2B14155550123&Body=9`,
    });
    expect(res.statusCode).toBe(403);
    expect(await h.inbound()).toEqual([]);
  });

  it('refuses a signature computed over another URL (the proxy-internal one)', async () => {
    const params = { MessageSid: newSid('SM'), From: customer, Body: '9' };
    const wrong = twilio.getExpectedTwilioSignature(
      authToken,
      'http://localhost:3000/webhooks/twilio/sms',
      params,
    );
    const res = await h.fake.signedPost(h.app, `${publicUrl}/webhooks/twilio/sms`, params, wrong);
    expect(res.statusCode).toBe(403);
    expect(await h.inbound()).toEqual([]);
  });

  it('refuses a correctly signed request whose body was changed on the way', async () => {
    const signed = { MessageSid: newSid('SM'), From: customer, Body: '2' };
    const signature = twilio.getExpectedTwilioSignature(authToken, `${publicUrl}/webhooks/twilio/sms`, signed);
    const res = await h.fake.signedPost(h.app, `${publicUrl}/webhooks/twilio/sms`, { ...signed, Body: '10' }, signature);
    expect(res.statusCode).toBe(403);
    expect(await h.inbound()).toEqual([]);
  });

  it('refuses a JSON body with 415, however well it is signed', async () => {
    const params = { MessageSid: newSid('SM'), From: customer, Body: '9' };
    const signature = twilio.getExpectedTwilioSignature(authToken, `${publicUrl}/webhooks/twilio/sms`, params);
    const res = await h.app.inject({
      method: 'POST',
      url: '/webhooks/twilio/sms',
      headers: { 'content-type': 'application/json', 'x-twilio-signature': signature },
      payload: JSON.stringify(params),
    });
    expect(res.statusCode).toBe(415);
    expect(await h.inbound()).toEqual([]);
  });

  it('answers 400 with the reason when From is missing', async () => {
    const res = await h.fake.postInbound(h.app, { from: customer, body: '9', extra: { From: undefined } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'bad_request', message: 'From: From is required' });
    expect(await h.inbound()).toEqual([]);
  });

  it('answers 400 when From is not a phone number', async () => {
    const res = await h.fake.postInbound(h.app, { from: '12345', body: '9' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe('From: not a phone number');
  });

  it('hands a valid text to the service and answers its replies as TwiML, choices as plain text', async () => {
    const res = await h.fake.postInbound(h.app, { from: customer, body: 'nine & a half <3' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    expect(messagesIn(res.body)).toEqual([
      'Got "nine & a half <3". Thanks!',
      'How likely are you to recommend us? Reply 0-10',
    ]);
    const stored = await h.inbound();
    expect(stored).toEqual([
      {
        channel: 'sms',
        address: customer,
        providerMessageId: res.params.MessageSid,
        text: 'nine & a half <3',
        receivedAt: expect.any(Date),
        // Its replies ride in the TwiML answer: the adapter confirms them once it is written out.
        replyReceipts: true,
      },
    ]);
  });

  it('normalises a national From to E.164 with the default country', async () => {
    const res = await h.fake.postInbound(h.app, { from: '(415) 555-0199', body: '7' });
    expect(res.statusCode).toBe(200);
    const stored = await h.inbound();
    expect(stored.find((m) => m.providerMessageId === res.params.MessageSid)?.address).toBe('+14155550199');
  });

  it('verifies the signature over the full URL including the query string', async () => {
    const params = { MessageSid: newSid('SM'), From: customer, Body: '8' };
    const res = await h.fake.signedPost(h.app, `${publicUrl}/webhooks/twilio/sms?source=campaign`, params);
    expect(res.statusCode).toBe(200);
    expect(messagesIn(res.body)).toHaveLength(2);
  });

  it('answers a replayed MessageSid with empty TwiML and stores nothing new', async () => {
    const sid = newSid('SM');
    const first = await h.fake.postInbound(h.app, { from: customer, body: '6', messageSid: sid });
    expect(messagesIn(first.body)).toHaveLength(2);
    const before = (await h.inbound()).length;

    const replay = await h.fake.postInbound(h.app, { from: customer, body: '6', messageSid: sid });
    expect(replay.statusCode).toBe(200);
    expect(replay.body).toBe(empty);
    expect(await h.inbound()).toHaveLength(before);
  });
});

describe('carrier keywords', () => {
  let h: SmsHarness;
  beforeAll(async () => {
    h = await startSmsHarness();
  });
  afterAll(() => h.close());

  it('records STOP as an opt-out and leaves the answer to Twilio', async () => {
    const res = await h.fake.postInbound(h.app, { from: customer, body: ' stop ' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(empty);
    expect(await h.optOuts()).toEqual([{ channel: 'sms', address: customer, reason: 'keyword STOP' }]);
    expect(await h.inbound()).toHaveLength(1);
  });

  it.each(['UNSUBSCRIBE', 'Cancel', 'start', 'YES', 'stopall', 'unstop', 'End', 'quit', 'revoke', 'optout'])(
    'sends no reply of its own to %s but still hands it to the service',
    async (word) => {
      const res = await h.fake.postInbound(h.app, { from: customer, body: word });
      expect(res.body).toBe(empty);
      const stored = await h.inbound();
      expect(stored.some((m) => m.providerMessageId === res.params.MessageSid && m.text === word)).toBe(true);
    },
  );

  it.each(['HELP', 'info'])('answers %s with the service replies, which Twilio sends after its generic help', async (word) => {
    const res = await h.fake.postInbound(h.app, { from: customer, body: word });
    expect(messagesIn(res.body)).toHaveLength(2);
  });

  it('stays silent on an Advanced Opt-Out START keyword (OptOutType=START)', async () => {
    const res = await h.fake.postInbound(h.app, { from: customer, body: 'VOLVER', extra: { OptOutType: 'START' } });
    expect(res.body).toBe(empty);
  });

  it('replies normally when a keyword is only part of the text', async () => {
    const res = await h.fake.postInbound(h.app, { from: customer, body: 'please stop the noise, 3' });
    expect(messagesIn(res.body)).toHaveLength(2);
  });

  it('records an Advanced Opt-Out custom keyword (OptOutType=STOP) and stays silent', async () => {
    const other = '+14155550142';
    const res = await h.fake.postInbound(h.app, { from: other, body: 'BASTA', extra: { OptOutType: 'STOP' } });
    expect(res.body).toBe(empty);
    expect(await h.optOuts()).toContainEqual({ channel: 'sms', address: other, reason: 'twilio opt-out keyword' });
  });
});
