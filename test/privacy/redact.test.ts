import { describe, expect, it } from 'vitest';
import { erasedText, redactor } from '../../src/privacy/redact.js';

describe('redactor', () => {
  const r = redactor(['Zelda Quinterro', 'Zelda', '+14155550142', 'ok', undefined, '  ', 'price (was $5) too high?']);

  it.each([
    ['Detractor: NPS 3 from Zelda Quinterro', `Detractor: NPS 3 from ${erasedText}`],
    ['zelda wrote back', `${erasedText} wrote back`],
    ['Zeldas and Zeldarine stay: only whole words', 'Zeldas and Zeldarine stay: only whole words'],
    ['/survey nps +14155550142 1042', `/survey nps ${erasedText} 1042`],
    ['NPS 2 Zelda: "price (was $5) too high?"', `NPS 2 ${erasedText}: "${erasedText}"`],
    ['ok, looks fine', 'ok, looks fine'],
  ])('%s', (text, expected) => {
    expect(r.redact(text)).toBe(expected);
    expect(r.quotes(text)).toBe(expected !== text);
  });

  it('builds one alternation, longest first, with special characters escaped, that a server regex engine reads literally', () => {
    expect(r.pattern).toBe('price \\(was \\$5\\) too high\\?|Zelda Quinterro|\\+14155550142|Zelda');
    expect(new RegExp(r.pattern!, 'i').test('PRICE (WAS $5) TOO HIGH?')).toBe(true);
  });

  it('finds nothing when there is nothing worth finding', () => {
    const none = redactor(['ok', undefined, '']);
    expect(none.pattern).toBeUndefined();
    expect(none.redact('ok then')).toBe('ok then');
  });
});
