import { scaleOf } from '../domain/surveys.js';
import type { SurveyKind } from './types.js';

export { scaleOf };

export type ScoreResult =
  | { ok: true; score: number }
  | { ok: false; reason: 'empty' | 'no_number' | 'out_of_range' | 'ambiguous' };


const numberWords = new Map<string, number>(
  (
    [
      ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'],
      ['cero', 'uno', 'dos', 'tres', 'cuatro', 'cinco', 'seis', 'siete', 'ocho', 'nueve', 'diez'],
      ['صفر', 'ایک', 'دو', 'تین', 'چار', 'پانچ', 'چھ', 'سات', 'آٹھ', 'نو', 'دس'],
    ] as const
  ).flatMap((words) => words.map((word, value) => [word, value] as const)),
);
numberWords.set('una', 1);
numberWords.set('چھے', 6);

/** A denominator ("9/10", "9 out of 10") only counts as one when it is a scale's top. */
const scaleTops = new Set([5, 7, 10]);
const stars = new Set(['⭐', '★', '🌟']);

/** Folds the ways people write digits and letters into one form: ASCII digits, lower case, Urdu letters. */
export function normalizeReply(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/\u066b/g, '.')
    .replace(/🔟/gu, ' 10 ')
    // Variation selectors, keycap marks and bidi/joiner controls carry no meaning here.
    .replace(/[\ufe0e\ufe0f\u20e3]|\p{Cf}/gu, '')
    .replace(/\u064a|\u0649/g, '\u06cc')
    .replace(/\u0643/g, '\u06a9')
    .toLowerCase()
    .trim();
}

type Token =
  | { kind: 'num'; value: number; start: number; end: number }
  | { kind: 'word'; text: string; start: number; end: number }
  | { kind: 'sym'; text: string; start: number; end: number };

function tokenize(s: string): Token[] {
  const tokens: Token[] = [];
  for (const m of s.matchAll(/\d+|[\p{L}\p{M}]+|\S/gu)) {
    const text = m[0];
    const start = m.index;
    const end = start + text.length;
    if (/^\d+$/.test(text)) tokens.push({ kind: 'num', value: Number(text), start, end });
    else {
      const word = numberWords.get(text);
      if (word !== undefined) tokens.push({ kind: 'num', value: word, start, end });
      else if (/^[\p{L}\p{M}]+$/u.test(text)) tokens.push({ kind: 'word', text, start, end });
      else tokens.push({ kind: 'sym', text, start, end });
    }
  }
  return tokens;
}

interface Found {
  value: number;
  /** The "out of" part when given, e.g. 10 in "9/10". */
  outOf?: number;
}

const isWord = (t: Token | undefined, ...words: string[]): boolean =>
  t?.kind === 'word' && words.includes(t.text);

/** Length of a denominator phrase right after a number ("/10", "out of 10", "de 10"), 0 if none. */
function denominatorAt(tokens: Token[], i: number): { outOf: number; length: number } | undefined {
  const a = tokens[i];
  const b = tokens[i + 1];
  const c = tokens[i + 2];
  if (a?.kind === 'sym' && a.text === '/' && b?.kind === 'num') return { outOf: b.value, length: 2 };
  if (isWord(a, 'out') && isWord(b, 'of') && c?.kind === 'num') return { outOf: c.value, length: 3 };
  if (isWord(a, 'of', 'de', 'sobre') && b?.kind === 'num') return { outOf: b.value, length: 2 };
  return undefined;
}

function findNumbers(tokens: Token[]): Found[] {
  const found: Found[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t?.kind !== 'num') continue;
    // Urdu puts the scale first: "۱۰ میں سے ۹" is 9 out of 10.
    const score = tokens[i + 3];
    if (scaleTops.has(t.value) && isWord(tokens[i + 1], 'میں') && isWord(tokens[i + 2], 'سے') && score?.kind === 'num') {
      found.push({ value: score.value, outOf: t.value });
      i += 3;
      continue;
    }
    const denominator = denominatorAt(tokens, i + 1);
    if (denominator && scaleTops.has(denominator.outOf)) {
      found.push({ value: t.value, outOf: denominator.outOf });
      i += denominator.length;
      continue;
    }
    const prev = tokens[i - 1];
    const minus = prev?.kind === 'sym' && (prev.text === '-' || prev.text === '−') && prev.end === t.start;
    // "-1" is negative; "7-8" is a range of two numbers.
    const negative = minus && tokens[i - 2]?.kind !== 'num';
    found.push({ value: negative ? -t.value : t.value });
  }
  return found;
}

/** Reads a score from a free-text reply: "9", "9/10", "nine", "۹", "nueve", "⭐⭐⭐⭐", "I'd say 8". */
export function parseScore(kind: SurveyKind, text: string): ScoreResult {
  const s = normalizeReply(text);
  if (s === '') return { ok: false, reason: 'empty' };
  if (/\d[.,]\d/.test(s)) return { ok: false, reason: 'ambiguous' };
  const tokens = tokenize(s);
  let found = findNumbers(tokens);
  if (found.length === 0) {
    const starCount = tokens.filter((t) => t.kind === 'sym' && stars.has(t.text)).length;
    if (starCount === 0) return { ok: false, reason: 'no_number' };
    found = [{ value: starCount }];
  }
  const [first] = found;
  if (!first || found.some((f) => f.value !== first.value)) return { ok: false, reason: 'ambiguous' };
  return inRange(kind, first.value, found.map((f) => f.outOf));
}

function inRange(kind: SurveyKind, score: number, outOf: (number | undefined)[] = []): ScoreResult {
  const { min, max } = scaleOf(kind);
  if (score < min || score > max || outOf.some((o) => o !== undefined && o !== max)) {
    return { ok: false, reason: 'out_of_range' };
  }
  return { ok: true, score };
}

/** Reads a tapped button's value: the plain ASCII integer we sent as the choice value. */
export function parseChoice(kind: SurveyKind, value: string): ScoreResult {
  const s = value.trim();
  if (s === '') return { ok: false, reason: 'empty' };
  if (!/^\d{1,3}$/.test(s)) return { ok: false, reason: 'no_number' };
  return inRange(kind, Number(s));
}
