import { scaleOf } from '../domain/surveys.js';
import { foldLetters } from './letters.js';
import { languageList, languagesVersion, type Language } from './languages.js';
import type { SurveyKind } from './types.js';

export { scaleOf };

export type ScoreResult =
  | { ok: true; score: number }
  | { ok: false; reason: 'empty' | 'no_number' | 'out_of_range' | 'ambiguous' };


interface WordTables {
  numbers: Map<string, number>;
  digits: Map<string, string>;
  /** Word sequences between a score and its scale ("out of"), and between a scale and its score ("میں سے"). */
  outOf: string[][];
  scaleFirst: string[][];
}

let builtFor = -1;
let tables: WordTables | undefined;

/** Every language's number words and digits at once (a customer does not always answer in the survey's language). */
function wordTables(): WordTables {
  if (!tables || builtFor !== languagesVersion()) {
    const languages = languageList();
    const phrases = (of: (l: Language) => string[]) => [...new Set(languages.flatMap(of).map((p) => foldLetters(p).trim()))].map((p) => p.split(/\s+/u));
    tables = {
      digits: new Map(languages.flatMap((l) => l.digits.flatMap((set) => [...set].map((d, n) => [d, String(n)] as const)))),
      numbers: new Map(),
      outOf: phrases((l) => l.outOf),
      scaleFirst: phrases((l) => l.scaleFirst),
    };
    builtFor = languagesVersion();
    for (const l of languages) l.numbers.forEach((list, n) => list.forEach((w) => tables!.numbers.set(normalizeReply(w), n)));
  }
  return tables;
}

/** A denominator ("9/10", "9 out of 10") only counts as one when it is a scale's top. */
const scaleTops = new Set([5, 7, 10]);
const stars = new Set(['⭐', '★', '🌟']);

/** Folds the ways people write digits and letters into one form: ASCII digits, lower case, one spelling per letter. */
export function normalizeReply(text: string): string {
  const { digits } = wordTables();
  return foldLetters(text.normalize('NFKC').replace(/\p{Nd}/gu, (d) => digits.get(d) ?? d))
    .replace(/\u066b/g, '.')
    .replace(/🔟/gu, ' 10 ')
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
      const word = wordTables().numbers.get(text);
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

/** How many tokens from `i` spell `phrase` as words, or 0. */
function phraseAt(tokens: Token[], i: number, phrase: readonly string[]): number {
  return phrase.every((w, j) => isWord(tokens[i + j], w)) ? phrase.length : 0;
}

/** Length of a denominator phrase right after a number ("/10", "out of 10", "de 10"), 0 if none. */
function denominatorAt(tokens: Token[], i: number): { outOf: number; length: number } | undefined {
  const a = tokens[i];
  const b = tokens[i + 1];
  if (a?.kind === 'sym' && a.text === '/' && b?.kind === 'num') return { outOf: b.value, length: 2 };
  for (const phrase of wordTables().outOf) {
    const n = phraseAt(tokens, i, phrase);
    const top = tokens[i + n];
    if (n > 0 && top?.kind === 'num') return { outOf: top.value, length: n + 1 };
  }
  return undefined;
}

function findNumbers(tokens: Token[]): Found[] {
  const found: Found[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t?.kind !== 'num') continue;
    // Some languages put the scale first: "۱۰ میں سے ۹" is 9 out of 10.
    const first = scaleTops.has(t.value) ? wordTables().scaleFirst.map((p) => phraseAt(tokens, i + 1, p)).find((n) => n > 0 && tokens[i + 1 + n]?.kind === 'num') : undefined;
    const score = first ? tokens[i + 1 + first] : undefined;
    if (first && score?.kind === 'num') {
      found.push({ value: score.value, outOf: t.value });
      i += first + 1;
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
