import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IntlMessageFormat } from 'intl-messageformat';
import { z } from 'zod';
import { foldLetters } from './letters.js';
import type { Locale } from '../domain/surveys.js';

/**
 * The languages the survey speaks, as data. A language is one catalog file
 * (`prompts/catalogs/<code>.json`, its messages) and one word-list file (`prompts/words/<code>.json`:
 * its name in itself, ICU locale, direction, keyword synonyms, number words 0–10 and digits). The
 * shipped ones are read from the folder beside this file when it loads (`readLanguages`, below), a
 * deployer's extra ones from `LANGUAGES_DIR` by `loadConfig`.
 * Everything that lists, validates or lays out languages asks this registry.
 */

export const keywords = ['stop', 'start', 'help', 'skip'] as const;
export type Keyword = (typeof keywords)[number];

const word = z.string().trim().min(1).max(40);
const words = z.array(word).min(1).max(40);

/** An ICU locale this runtime formats in its own right (not a silent fallback to another language). */
function knownLocale(icu: string): boolean {
  try {
    return Intl.NumberFormat.supportedLocalesOf(icu).length === 1 && Intl.PluralRules.supportedLocalesOf(icu).length === 1;
  } catch {
    return false;
  }
}

/** The word-list file of one language. */
export const wordListSchema = z.strictObject({
  name: word.describe('the language named in itself: "Português", "العربية"'),
  icu: z.string().refine(knownLocale, 'an ICU locale this runtime knows, e.g. "pt-BR" or "ur-u-nu-arabext"'),
  dir: z.enum(['ltr', 'rtl']),
  keywords: z.strictObject({ stop: words, start: words, help: words, skip: words }),
  /** Words for 0 to 10, each number its own list of spellings. */
  numbers: z.array(words).length(11, 'eleven lists of words, for 0 to 10'),
  /** The digit sets 0–9 people type in the language; the first is the one its ICU locale writes. */
  digits: z.array(z.string().regex(/^\p{Nd}{10}$/u, 'ten digits, 0 to 9')).min(1),
  /** Words between a score and its scale: "9 out of 10", "9 de 10". */
  outOf: z.array(word).default([]),
  /** Words between a scale and the score, for languages that put the scale first: "۱۰ میں سے ۹". */
  scaleFirst: z.array(word).default([]),
});
export type WordList = z.output<typeof wordListSchema>;

/** A catalog file: message keys to ICU MessageFormat texts. */
export const catalogSchema = z.record(z.string().regex(/^[A-Za-z][\w.]*$/, 'a key such as "question" or "nps.followUp.detractor"'), z.string().min(1).max(2_000));

export interface Language extends WordList {
  readonly code: Locale;
  readonly messages: Readonly<Record<string, string>>;
  /** The folder it was read from. */
  readonly source: string;
}

/** A language code: "pt", "ar", "pt-br". Lower case, so it can stand in URLs, commands and files. */
export const languageCode = /^[a-z]{2,3}(-[a-z0-9]{2,8})?$/;

const registry = new Map<string, Language>();
let version = 0;

/** How each language writes: its ICU locale and direction (kept in step with the registry). */
export const localeFacts: Record<Locale, { icu: string; dir: 'ltr' | 'rtl' }> = {};

/** Adds languages (the shipped ones at start, then a deployer's). A code already registered keeps its first. */
export function registerLanguages(languages: readonly Language[]): void {
  for (const language of languages) {
    if (registry.has(language.code)) continue;
    registry.set(language.code, language);
    localeFacts[language.code] = { icu: language.icu, dir: language.dir };
  }
  version++;
}

/** The codes of every registered language, shipped ones first. */
export const languageCodes = (): Locale[] => [...registry.keys()];
export const languageList = (): Language[] => [...registry.values()];
export const isLanguage = (code: unknown): code is Locale => typeof code === 'string' && registry.has(code);
/** Changes whenever a language is added: word tables built from the registry rebuild on it. */
export const languagesVersion = (): number => version;

/** A registered language, or an error naming the ones there are. */
export function languageOf(code: Locale): Language {
  const found = registry.get(code);
  if (!found) throw new Error(`no language "${code}": the languages are ${languageCodes().join(', ')}`);
  return found;
}

/** A language code in input (API, commands, settings), checked against the registry when it is read. */
export const localeSchema = z
  .string()
  .trim()
  .toLowerCase()
  .refine(isLanguage, { error: (issue) => `unknown language "${String(issue.input)}": use ${languageCodes().join(', ')}` })
  // The API document lists the registered languages when it is generated (after LANGUAGES_DIR is read),
  // so a client and the API fuzzer see the codes the server accepts; the getter is read then, not now.
  .meta({
    description: 'a language code, such as en, es, ur, ar or pt',
    get enum() {
      return languageCodes();
    },
  });

/**
 * Words that would mean two things: a keyword of one language that another reads as a different
 * keyword or as a number. A language bringing one is refused (the first language keeps the word).
 * Pass the language itself first in `others`: a word another language has too is named by that one.
 */
export function wordClashes(language: Language, others: readonly Language[], fold: (text: string) => string): string[] {
  const meaning = new Map<string, string>();
  for (const other of others) {
    for (const k of keywords) for (const w of other.keywords[k]) meaning.set(fold(w), `the ${k.toUpperCase()} word of ${other.code}`);
    other.numbers.forEach((list, n) => list.forEach((w) => meaning.set(fold(w), `the number ${n} in ${other.code}`)));
  }
  const clashes: string[] = [];
  const check = (w: string, mine: string) => {
    const theirs = meaning.get(fold(w));
    if (theirs && theirs.replace(/ (of|in) [\w-]+$/, '') !== mine) clashes.push(`"${w}" is ${mine} in ${language.code} but already ${theirs}`);
  };
  for (const k of keywords) for (const w of language.keywords[k]) check(w, `the ${k.toUpperCase()} word`);
  language.numbers.forEach((list, n) => list.forEach((w) => check(w, `the number ${n}`)));
  return clashes;
}

/** The messages every language must have: English's, where a kind's own (`nps.reminder`) may fall back to the shared one. */
export function missingKeys(messages: Readonly<Record<string, string>>, reference: Readonly<Record<string, string>>): string[] {
  const kindPrefix = /^(nps|csat|ces)\./;
  return Object.keys(reference).filter((key) => !Object.hasOwn(messages, key) && !(kindPrefix.test(key) && Object.hasOwn(messages, key.replace(kindPrefix, ''))));
}

const problem = (file: string, issues: string[]) => issues.map((i) => `${file}: ${i}`);

/**
 * Reads a languages folder: `catalogs/<code>.json` and `words/<code>.json` for each language. Returns
 * what it read and every problem found (a broken file, a missing half, a message that does not parse,
 * a key English has and the catalog lacks, a word that already means something else).
 */
export function readLanguages(folder: string, known: readonly Language[] = languageList()): { languages: Language[]; problems: string[] } {
  const dir = resolve(folder);
  const problems: string[] = [];
  const list = (sub: string) => {
    try {
      return readdirSync(join(dir, sub)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
    } catch (e) {
      problems.push(`${join(dir, sub)}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (e as Error).message}`);
      return [];
    }
  };
  const catalogs = list('catalogs');
  const wordFiles = list('words');
  const read = <T>(file: string, schema: z.ZodType<T>): T | undefined => {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch (e) {
      problems.push(`${file}: not readable JSON (${(e as Error).message})`);
      return undefined;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) problems.push(...problem(file, parsed.error.issues.map((i) => `${i.path.join('.') || 'file'}: ${i.message}`)));
    return parsed.success ? parsed.data : undefined;
  };
  const english = known.find((l) => l.code === 'en')?.messages;
  const languages: Language[] = [];
  for (const code of [...new Set([...catalogs, ...wordFiles])].sort()) {
    if (!languageCode.test(code)) {
      problems.push(`${code}: not a language code (two or three lower-case letters, e.g. "it" or "pt-br")`);
      continue;
    }
    if (!catalogs.includes(code) || !wordFiles.includes(code)) {
      problems.push(`${code}: needs both catalogs/${code}.json and words/${code}.json`);
      continue;
    }
    const same = known.find((l) => l.code === code);
    if (same?.source === dir) continue; // read already, at an earlier start in this process
    if (same) {
      problems.push(`${code}: already a language (a business words its own survey through the dashboard or the API)`);
      continue;
    }
    const wordList = read(`words/${code}.json`, wordListSchema);
    const messages = read(`catalogs/${code}.json`, catalogSchema);
    if (!wordList || !messages) continue;
    const language: Language = { code, ...wordList, messages, source: dir };
    const bad = [
      ...Object.entries(messages).flatMap(([key, source]) => {
        try {
          new IntlMessageFormat(source, wordList.icu, undefined, { ignoreTag: true });
          return [];
        } catch (e) {
          return [`message "${key}" does not parse: ${(e as Error).message}`];
        }
      }),
      ...(english ? missingKeys(messages, english).map((key) => `message "${key}" is missing (English has it)`) : []),
      ...(new Intl.NumberFormat(wordList.icu, { useGrouping: false }).format(1234567890) === '1234567890'.replace(/\d/g, (d) => wordList.digits[0]![Number(d)]!) ? [] : [`digits: the first set is not what ${wordList.icu} writes`]),
    ];
    problems.push(...problem(`catalogs/${code}.json`, bad.filter((b) => !b.startsWith('digits'))), ...problem(`words/${code}.json`, bad.filter((b) => b.startsWith('digits'))));
    problems.push(...problem(`words/${code}.json`, wordClashes(language, [language, ...known, ...languages], foldLetters)));
    if (bad.length === 0) languages.push(language);
  }
  return { languages, problems };
}

// The shipped languages, beside this file; a broken one is a bug, so it stops the import.
const shipped = readLanguages(fileURLToPath(new URL('./prompts/', import.meta.url)), []);
if (shipped.problems.length > 0) throw new Error(`shipped languages:\n${shipped.problems.join('\n')}`);
registerLanguages([...shipped.languages.filter((l) => l.code === 'en'), ...shipped.languages.filter((l) => l.code !== 'en')]);
