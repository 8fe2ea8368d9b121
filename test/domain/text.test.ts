import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { xmlSafe } from '../../src/channels/sms/webhooks.js';
import { cleanText, freeText } from '../../src/domain/text.js';

describe('freeText', () => {
  it('stores a field cleaned, and refuses one with nothing left', () => {
    expect(freeText(20).parse(' Ada\u0000 \u001b[31mL\uffff ')).toBe('Ada L');
    expect(freeText(20).safeParse('\u0000\u0007').success).toBe(false);
    expect(freeText(3).safeParse('abcd').success).toBe(false);
  });

  it('is a plain string in JSON Schema (the OpenAPI document)', async () => {
    const { z } = await import('zod');
    expect(z.toJSONSchema(freeText(10), { io: 'input' })).toMatchObject({ type: 'string', minLength: 1, maxLength: 10 });
  });
});

describe('text for TwiML', () => {
  const controls = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).concat(['\ufffe', '\uffff', '\ud800', '\udfff']);

  it('a reply with any control character still renders (the TwiML writer throws on them)', () => {
    const text = `Thanks ${controls.join('')} Ada 😀`;
    expect(() => new twilio.twiml.MessagingResponse().message(text)).toThrow();
    const response = new twilio.twiml.MessagingResponse();
    response.message(xmlSafe(text));
    expect(response.toString()).toContain('Ada 😀');
  });

  it('cleaned text is always safe XML', () => {
    for (const c of controls) expect(xmlSafe(cleanText(`a${c}b`))).toBe(cleanText(`a${c}b`));
  });
});
