import { describe, expect, it } from 'vitest';
import { formatDay, formatNumber, formatPercent, formatRange, formatSigned, isolate, plainNumber } from '../../src/domain/locale-format.js';

const strip = (s: string) => s.replace(/[\u2068\u2069]/g, '');

describe('locale formatting', () => {
  it('writes numbers in each language’s digits and groups', () => {
    expect(plainNumber('en', 1234.5)).toBe('1,234.5');
    expect(plainNumber('es', 12345)).toBe('12.345');
    expect(plainNumber('ur-u-nu-arabext', 74)).toBe('۷۴');
  });

  it('isolates every number so a right-to-left line cannot reorder its sign', () => {
    const range = formatRange('ur-u-nu-arabext', -34, 74, '{low} سے {high}');
    expect(range.startsWith('\u2068')).toBe(true);
    expect(range.split('\u2068')).toHaveLength(3);
    expect(strip(range)).toMatch(/^\S*۳۴ سے ۷۴$/);
    expect(strip(range)).toContain('-');
    expect(formatNumber('en', 3)).toBe(isolate('3'));
  });

  it('always shows the sign of a change', () => {
    expect(strip(formatSigned('en', 12))).toBe('+12');
    expect(strip(formatSigned('en', -3.25))).toBe('-3.3');
    expect(strip(formatSigned('en', 0))).toBe('0');
  });

  it('writes shares as percentages and days in the language', () => {
    expect(strip(formatPercent('en', 0.42))).toBe('42%');
    expect(strip(formatDay('es', new Date('2026-12-05T12:00:00Z')))).toBe('5 dic 2026');
  });
});
