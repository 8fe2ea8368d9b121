import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { newSid } from '../../helpers/fake-twilio.js';
import { authToken, publicUrl, startSmsHarness } from './harness.js';

describe('SMS logs', () => {
  it('never carry a phone number or the auth token in clear', async () => {
    const lines: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    const h = await startSmsHarness({}, stream);
    try {
      const customer = '+14155550187';
      await h.fake.postInbound(h.app, { from: customer, body: 'my number is +1 415 555 0187' });
      await h.fake.signedPost(h.app, `${publicUrl}/webhooks/twilio/sms`, { MessageSid: newSid('SM'), From: customer }, 'Zm9yZ2Vk');
      h.fake.failNext('unsubscribed');
      await h.channel.send(customer, { text: 'Hi!' });
      const sent = await h.channel.send(customer, { text: 'Hi!' });
      const message = h.fake.messages.find((m) => m.sid === sent.providerMessageId)!;
      await h.fake.postStatus(h.app, message, 'receiving');
    } finally {
      await h.close();
    }
    const log = lines.join('');
    expect(log).toMatch(/twilio refused a message/);
    expect(log).toMatch(/X-Twilio-Signature/);
    expect(log).not.toMatch(/415\D?555\D?0187/);
    expect(log).not.toContain(authToken);
  });
});
