import { describe, expect, it } from 'vitest';
import { cleanText, commentOf, maxCommentLength, step } from '../../src/dialogs/index.js';
import { at, minute, policy, scored, text } from './fixtures.js';

describe('cleanText', () => {
  it.each([
    ['keeps newlines, tabs and emoji', 'Line one\n\tline two 👍🏽 👨‍👩‍👧', 'Line one\n\tline two 👍🏽 👨‍👩‍👧'],
    ['turns CRLF and CR into LF', 'a\r\nb\rc', 'a\nb\nc'],
    ['removes NUL and other C0 controls', 'ab\u0000c\u0007d\u0008', 'abcd'],
    ['removes escape sequences', 'red \u001b[31mALERT\u001b[0m and a title \u001b]0;pwned\u0007 done', 'red ALERT and a title  done'],
    ['removes bidi overrides and isolates', 'invoice\u202egpj.exe and \u2066isolated\u2069', 'invoicegpj.exe and isolated'],
    ['removes C1 controls', 'a\u0085b\u009bc', 'abc'],
    ['keeps Urdu, Arabic-Indic digits and marks', 'بہت اچھا ۹ \u200fسروس', 'بہت اچھا ۹ \u200fسروس'],
    ['trims', '  hi  ', 'hi'],
    ['removes VT, FF and the noncharacters U+FFFE and U+FFFF (no XML can carry them)', 'a\u000bb\u000cc\ufffed\uffffe', 'abcde'],
    ['replaces a lone surrogate by U+FFFD', 'a\ud800b', 'a\ufffdb'],
  ])('%s', (_, input, expected) => {
    expect(cleanText(input)).toBe(expected);
  });
});

describe('long comments', () => {
  it('cut at the end of a grapheme cluster: an emoji with a skin tone or a family is kept whole or left out', () => {
    const a = 'a'.repeat(maxCommentLength - 1);
    expect(commentOf(`${a}👍🏽 more`)).toEqual({ comment: a, cut: true });
    expect(commentOf(`${a.slice(1)}👍🏽 more`)).toEqual({ comment: `${a.slice(1)}👍🏽`, cut: true });
    expect(commentOf(`${a.slice(3)}👨‍👩‍👧`)).toEqual({ comment: a.slice(3), cut: true });
    expect(commentOf(`${a}é`)).toEqual({ comment: `${a}é`, cut: false });
  });

  it('keep the first 5,000 characters, never split an emoji, and tell the customer', () => {
    expect(maxCommentLength).toBeGreaterThanOrEqual(5_000);
    const long = '😀'.repeat(maxCommentLength + 10);
    expect(commentOf(long)).toEqual({ comment: '😀'.repeat(maxCommentLength), cut: true });
    const result = step(scored('nps', 3), text(long), at(2 * minute), policy);
    expect(Array.from(result.session.comment ?? '')).toHaveLength(maxCommentLength);
    expect(result.outbound[0]?.text).toMatch(/longer than 5000 characters, so we kept the first 5000/);
  });

  it('a comment under the cap is kept whole, with no note', () => {
    const complaint = 'x'.repeat(4_999);
    const result = step(scored('nps', 3), text(complaint), at(2 * minute), policy);
    expect(result.session.comment).toBe(complaint);
    expect(result.outbound[0]?.text).not.toMatch(/longer than/);
  });
});
