import pino from 'pino';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loggerOptions, maskAddress, redactText } from '../src/logger.js';

function capture(secrets: string[] = []) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: pino(loggerOptions('info', secrets), stream), text: () => lines.join('') };
}

describe('log redaction', () => {
  it('masks phone numbers and chat ids in fields, keeping the last two digits', () => {
    const { log, text } = capture();
    log.info({ address: '+15551234567', chatId: 987654321, inbound: { from: '+442071838750' } }, 'inbound');
    const out = text();
    expect(out).not.toContain('5551234567');
    expect(out).not.toContain('987654321');
    expect(out).not.toContain('2071838750');
    expect(out).toContain('***67');
    expect(out).toContain('***21');
  });

  it('masks phone numbers inside messages and request URLs', () => {
    const { log, text } = capture();
    log.info('sending survey to +1 (555) 123-4567 now');
    log.info({ req: { method: 'GET', url: '/api/v1/customers/+15551234567', headers: {} } }, 'request');
    expect(text()).not.toMatch(/555.?123.?4567/);
  });

  it('keeps web chat visitor ids (the key to a transcript) out of request URLs, fields and messages', () => {
    const { log, text } = capture();
    const visitor = 'v_0123456789abcdef0123456789abcdef';
    log.info({ req: { method: 'POST', url: `/chat/api/visitors/${visitor}/messages`, headers: {} } }, 'incoming request');
    log.info({ visitorId: visitor }, 'web chat');
    log.info(`no survey for ${visitor}`);
    expect(text()).not.toContain('0123456789abcdef');
    expect(text()).toContain('/chat/api/visitors/v_***/messages');
  });

  it('never writes secrets, tokens or auth headers', () => {
    const secret = 'tg-webhook-secret-0123456789';
    const { log, text } = capture([secret]);
    log.info({ token: '123456:ABCDEFGHIJKLMNOPQRSTUV', twilio: { authToken: 'deadbeefdeadbeef' } }, 'config');
    log.info({ req: { headers: { authorization: 'Bearer eyJabc.def.ghi', 'x-twilio-signature': 'c2lnbmF0dXJl' } } }, 'in');
    log.info(`webhook at /webhooks/telegram/${secret}`);
    log.info({ req: { method: 'GET', url: '/media/Zm9vYmFyYmF6cXV4MTIzNA.png' } }, 'incoming request');
    const out = text();
    expect(out).toContain('/media/[redacted].png');
    for (const leaked of ['ABCDEFGHIJKLMNOPQRSTUV', 'deadbeefdeadbeef', 'eyJabc', 'c2lnbmF0dXJl', secret, 'Zm9vYmFyYmF6cXV4MTIzNA']) {
      expect(out).not.toContain(leaked);
    }
  });

  it('leaves short numbers alone', () => {
    expect(redactText('retry 3 of 5 after 250 ms')).toBe('retry 3 of 5 after 250 ms');
    expect(maskAddress('+15551234567')).toBe('***67');
  });
});
