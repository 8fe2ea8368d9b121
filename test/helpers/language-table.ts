import { IntlMessageFormat } from 'intl-messageformat';
import { detectKeyword, parseScore, promptsFor } from '../../src/dialogs/index.js';
import { keywords, languageList, languageOf, missingKeys, wordClashes, type Language } from '../../src/dialogs/languages.js';
import { foldLetters } from '../../src/dialogs/letters.js';
import { bands, surveyKinds } from '../../src/domain/surveys.js';

/**
 * The checks every language must pass, shipped or added by a deployer: one list of problems per
 * check, empty when the language is sound. Used by the shared language test for every registered
 * language and by the test that adds a language from a folder.
 */

interface Argument {
  name: string;
  type: number;
  options?: Record<string, { value: unknown[] }>;
}

// intl-messageformat's element types: 1 argument, 2 number, 3 date, 4 time, 5 select, 6 plural.
const argumentTypes = new Set([1, 2, 3, 4, 5, 6]);

/** Every argument of a parsed message, nested ones included. */
function argumentsOf(elements: unknown[]): Argument[] {
  return elements.flatMap((e) => {
    const el = e as { type: number; value: unknown; options?: Record<string, { value: unknown[] }> };
    const own = argumentTypes.has(el.type) && typeof el.value === 'string' ? [{ name: el.value, type: el.type, ...(el.options ? { options: el.options } : {}) }] : [];
    return [...own, ...Object.values(el.options ?? {}).flatMap((o) => argumentsOf(o.value))];
  });
}

const parse = (source: string, icu: string) => argumentsOf(new IntlMessageFormat(source, icu, undefined, { ignoreTag: true }).getAst() as unknown[]);

/** Sample values for a message's arguments: a number where it counts, "yes" for a select, text otherwise. */
function sampleValues(args: Argument[]): Record<string, string | number | Date> {
  return Object.fromEntries(args.map((a) => [a.name, a.type === 2 || a.type === 6 ? 3 : a.type === 3 || a.type === 4 ? new Date('2026-03-10T15:00:00Z') : a.type === 5 ? 'yes' : 'X']));
}

/** The catalog against English: every key (a kind's own may fall back to the shared one), no stray key, no placeholder English lacks, valid plural forms, every message rendering whole. */
export function catalogProblems(language: Pick<Language, 'code' | 'icu' | 'messages'>, english: Readonly<Record<string, string>> = languageOf('en').messages): string[] {
  const problems = missingKeys(language.messages, english).map((key) => `missing "${key}"`);
  const categories = new Set(new Intl.PluralRules(language.icu).resolvedOptions().pluralCategories);
  for (const [key, source] of Object.entries(language.messages)) {
    if (!Object.hasOwn(english, key)) problems.push(`"${key}" is not a key of the English catalog`);
    let args: Argument[];
    try {
      args = parse(source, language.icu);
    } catch (e) {
      problems.push(`"${key}" does not parse: ${(e as Error).message}`);
      continue;
    }
    const names = [...new Set(args.map((a) => a.name))].sort();
    const theirs = Object.hasOwn(english, key) ? [...new Set(parse(english[key]!, 'en').map((a) => a.name))].sort() : names;
    // A language may leave out what English needs for its own grammar ({article}: a or an), never use a value the code does not give.
    if (names.some((n) => !theirs.includes(n))) problems.push(`"${key}" uses {${names.join('}, {')}} where English uses {${theirs.join('}, {')}}`);
    for (const a of args.filter((x) => x.type === 6)) {
      const bad = Object.keys(a.options ?? {}).filter((form) => !form.startsWith('=') && !categories.has(form as Intl.LDMLPluralRule));
      if (bad.length > 0) problems.push(`"${key}": plural forms ${bad.join(', ')} are not forms of ${language.icu}`);
    }
    const rendered = String(new IntlMessageFormat(source, language.icu, undefined, { ignoreTag: true }).format(sampleValues(args)));
    if (/[{}]/.test(rendered) || rendered.trim() === '') problems.push(`"${key}" renders as "${rendered}"`);
  }
  return problems;
}

/** Whole words and word pairs of a text, as a keyword reply would be read. */
const phrasesOf = (text: string) => {
  const words = foldLetters(text).split(/[^\p{L}\p{M}]+/u).filter(Boolean);
  return [...words, ...words.slice(1).map((w, i) => `${words[i]} ${w}`)];
};

/** Every keyword word reads as its keyword, and the messages that name a keyword name one that works. */
export function keywordProblems(language: Language): string[] {
  const problems: string[] = [];
  for (const k of keywords) {
    for (const w of language.keywords[k]) {
      for (const typed of [w, w.toUpperCase(), ` ${w}! `]) if (detectKeyword(typed) !== k) problems.push(`"${typed}" reads as ${detectKeyword(typed)}, not ${k}`);
    }
  }
  const p = promptsFor(language.code);
  const vars = { business: 'Acme' };
  const names = (text: string, k: (typeof keywords)[number]) => phrasesOf(text).some((w) => detectKeyword(w) === k);
  const expected: Array<[string, string, (typeof keywords)[number]]> = [
    ['skipHint', p.followUp('nps', 'promoter', vars), 'skip'],
    ['stopped', p.stopped(vars), 'start'],
    ['started', p.started(vars), 'stop'],
    ['help', p.help(vars), 'skip'],
    ['help', p.help(vars), 'stop'],
  ];
  for (const [key, text, k] of expected) if (!names(text, k)) problems.push(`"${key}" names no ${k.toUpperCase()} word of the language: "${text}"`);
  problems.push(...wordClashes(language, languageList(), foldLetters));
  return problems;
}

/** Number words 0–10 and every digit set read as their numbers; the buttons' numbers read back. */
export function numberProblems(language: Language): string[] {
  const problems: string[] = [];
  const read = (text: string, n: number) => {
    const got = parseScore('nps', text);
    if (!got.ok || got.score !== n) problems.push(`"${text}" reads as ${JSON.stringify(got)}, not ${n}`);
  };
  language.numbers.forEach((words, n) => words.forEach((w) => read(w, n)));
  for (const set of language.digits) for (let n = 0; n <= 10; n++) read(String(n).replace(/\d/g, (d) => set[Number(d)]!), n);
  const p = promptsFor(language.code);
  for (let n = 0; n <= 10; n++) read(p.digits(n), n);
  return problems;
}

/** The ICU locale is the language's own, known to this runtime, writing the first digit set, in the direction given. */
export function factProblems(language: Language): string[] {
  const problems: string[] = [];
  const locale = new Intl.Locale(language.icu);
  if (locale.language !== language.code.split('-')[0]) problems.push(`ICU locale ${language.icu} is not the language ${language.code}`);
  if (Intl.NumberFormat.supportedLocalesOf(language.icu).length !== 1) problems.push(`ICU locale ${language.icu} is not known here`);
  const direction = (locale as unknown as { textInfo?: { direction: string }; getTextInfo?: () => { direction: string } }).getTextInfo?.().direction ?? (locale as unknown as { textInfo: { direction: string } }).textInfo.direction;
  if (direction !== language.dir) problems.push(`dir ${language.dir}, but ${language.icu} is written ${direction}`);
  const written = new Intl.NumberFormat(language.icu, { useGrouping: false }).format(9876543210);
  const expected = '9876543210'.replace(/\d/g, (d) => language.digits[0]![Number(d)]!);
  if (written !== expected) problems.push(`${language.icu} writes ${written}, the first digit set gives ${expected}`);
  if (promptsFor(language.code).dir !== language.dir) problems.push('the prompts do not take the direction');
  return problems;
}

/** A whole survey of every kind and band renders with no placeholder left, with and without a name and context. */
export function surveyProblems(language: Language): string[] {
  const problems: string[] = [];
  const p = promptsFor(language.code);
  for (const vars of [{ business: 'Acme' }, { business: 'Acme', customerName: 'Ana Lima', context: 'order 1042' }]) {
    for (const kind of surveyKinds) {
      const texts = [p.invitation(kind, vars), p.question(kind, vars), p.reminder(kind, vars), p.reprompt(kind, vars), p.closing(kind, vars), p.reasonQuestion(kind, vars), p.reasonReprompt(kind, vars)];
      for (const band of bands) texts.push(p.followUp(kind, band, vars), p.thankYou(band, vars, kind));
      texts.push(p.stopped(vars), p.started(vars), p.help(vars), p.nothingToSkip(), p.linkInvalid(vars), p.recentlyAnswered(vars), p.tapAnswered(), p.tapEnded(), p.tapInvalid(), p.commentCut(5000), p.forwarded(vars));
      texts.push(p.commentBox.placeholder, p.commentBox.send, p.commentBox.skip);
      for (const t of texts) if (/[{}]/.test(t) || t.trim() === '' || /\bundefined\b/.test(t)) problems.push(`${kind}: "${t}"`);
      if (vars.customerName && !p.invitation(kind, vars).includes('Ana Lima')) problems.push(`${kind}: the invitation leaves out the name`);
    }
  }
  return problems;
}

/** All the checks of one language, by name. */
export function languageChecks(language: Language): Record<string, () => string[]> {
  return {
    'its catalog has every English key, with the same placeholders, and every message renders': () => catalogProblems(language),
    'its keywords read as themselves, mean nothing else, and the messages name them': () => keywordProblems(language),
    'its number words and digits read as their numbers': () => numberProblems(language),
    'its ICU locale, digits and direction agree': () => factProblems(language),
    'a whole survey renders with no placeholder left': () => surveyProblems(language),
  };
}
