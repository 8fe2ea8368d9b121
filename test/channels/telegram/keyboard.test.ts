import { describe, expect, it } from 'vitest';
import { decodeChoice, encodeChoice, inlineKeyboard, labelOf, rowsOf } from '../../../src/channels/telegram/keyboard.js';

const scale = (min: number, max: number) =>
  Array.from({ length: max - min + 1 }, (_, i) => ({ label: String(min + i), value: String(min + i) }));
const labels = (rows: { label: string }[][]) => rows.map((row) => row.map((c) => c.label).join(' '));

describe('inline keyboard layout', () => {
  it('puts NPS 0-10 in two rows, 0-5 and 6-10', () => {
    expect(labels(rowsOf(scale(0, 10)))).toEqual(['0 1 2 3 4 5', '6 7 8 9 10']);
  });

  it('keeps CSAT 1-5 and CES 1-7 in one row', () => {
    expect(labels(rowsOf(scale(1, 5)))).toEqual(['1 2 3 4 5']);
    expect(labels(rowsOf(scale(1, 7)))).toEqual(['1 2 3 4 5 6 7']);
  });

  it('draws no keyboard for a message without choices', () => {
    expect(inlineKeyboard({ text: 'Thanks!' })).toBeUndefined();
    expect(inlineKeyboard({ text: 'Thanks!', choices: [] })).toBeUndefined();
  });

  it('shows the label and carries the survey id and value in callback_data', () => {
    const markup = inlineKeyboard({ text: 'How satisfied?', choices: [{ label: '۵', value: '5' }], surveyId: '65f0c0ffee0000000000abcd' });
    expect(markup).toEqual({ inline_keyboard: [[{ text: '۵', callback_data: 's:65f0c0ffee0000000000abcd:5' }]] });
    expect(labelOf(markup, 's:65f0c0ffee0000000000abcd:5')).toBe('۵');
    expect(labelOf(markup, 's:-:4')).toBeUndefined();
  });
});

describe('callback data', () => {
  it('round-trips with and without a survey id', () => {
    expect(decodeChoice(encodeChoice('abc123', '9'))).toEqual({ surveyId: 'abc123', value: '9' });
    expect(encodeChoice(undefined, '9')).toBe('s:-:9');
    expect(decodeChoice('s:-:9')).toEqual({ value: '9' });
  });

  it('ignores data that is not ours', () => {
    expect(decodeChoice('like')).toBeNull();
    expect(decodeChoice('s:abc:')).toBeNull();
  });

  it('stays within 64 bytes: drops a long survey id, refuses a value that cannot fit', () => {
    const longId = 'x'.repeat(70);
    expect(encodeChoice(longId, '10')).toBe('s:-:10');
    expect(Buffer.byteLength(encodeChoice('a'.repeat(58), '10'))).toBeLessThanOrEqual(64);
    expect(() => encodeChoice(undefined, 'é'.repeat(31))).toThrow(RangeError);
  });
});
