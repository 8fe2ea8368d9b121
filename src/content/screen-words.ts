import Negotiator from 'negotiator';
import { catalogOf, type CompiledMessage } from '../dialogs/prompts/index.js';
import { formatDay, formatMoment, formatSigned, plainNumber, plainPercent } from '../domain/locale-format.js';
import { isLanguage, languageCodes, languageOf } from '../dialogs/languages.js';
import type { Locale } from '../domain/surveys.js';

/**
 * The words of the product's own pages (web chat, survey link notes, sign-in, dashboard): catalog
 * messages under `screen.` in the shipped catalogs, one language per page. Not business-editable.
 * Numbers go into HTML inside `<bdi>`, so a sign and its digits stay together in a right-to-left line.
 */

/** HTML that is already safe: put into a message as it is. */
export class Html {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

export const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** JSON inside a `<script type="application/json">`: no `<` can close the element. */
export const jsonBlock = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

export type ScreenValue = string | number | Html;

export interface ScreenWords {
  readonly locale: Locale;
  /** The ICU locale numbers and dates are written in (Urdu: `ur-u-nu-arabext`, its own digits). */
  readonly icu: string;
  readonly dir: 'ltr' | 'rtl';
  /** A message as plain text (a JSON block for a page's script; escape it before it goes into HTML). */
  text(key: string, values?: Record<string, string | number>): string;
  /** A message as HTML: its words and string values escaped, `Html` values as they are. */
  html(key: string, values?: Record<string, ScreenValue>): string;
  /** A number that may be negative or fractional (a score, a margin), in the language's digits, in `<bdi>`; a dash for none. */
  number(n: number | null | undefined, maximumFractionDigits?: number): Html;
  /** A count (never negative: nothing to isolate), in the language's digits. */
  count(n: number): Html;
  /** A change with its sign (`+12`, `-34`), isolated. */
  signed(n: number): Html;
  /** A share of 0–1 as a percentage, in `<bdi>`; a dash for none. */
  percent(share: number | null | undefined): Html;
  /** `-34 to 74` as the language words it, each number in its own `<bdi>`. */
  range(low: number, high: number): Html;
  /** A day, or a day and time, isolated. */
  day(at: Date, timeZone?: string): Html;
  moment(at: Date, timeZone?: string): Html;
}

const none = new Html('–');
const bdi = (s: string) => new Html(`<bdi>${escapeHtml(s)}</bdi>`);
/** Text the formatter already isolated (first-strong isolate marks around it). */
const isolated = (s: string) => new Html(escapeHtml(s));
// Private-use marks stand for `Html` values while the message is formatted and escaped.
const mark = (i: number) => `\uE000${i}\uE001`;
const marks = /\uE000(\d+)\uE001/g;

function wordsOf(locale: Locale): ScreenWords {
  const catalog = catalogOf(locale);
  const { icu, dir } = languageOf(locale);
  const message = (key: string): CompiledMessage => catalog.message(`screen.${key}`);
  const words: ScreenWords = {
    locale,
    icu,
    dir,
    text: (key, values = {}) => message(key).format(values),
    html(key, values = {}) {
      const raw: string[] = [];
      const plain: Record<string, string | number> = {};
      for (const [name, value] of Object.entries(values)) {
        if (value instanceof Html) plain[name] = mark(raw.push(value.html) - 1);
        else plain[name] = typeof value === 'string' ? value.replace(/[\uE000\uE001]/g, '') : value;
      }
      return escapeHtml(message(key).format(plain)).replace(marks, (_, i: string) => raw[Number(i)] ?? '');
    },
    number: (n, digits = 1) => (n === null || n === undefined ? none : bdi(plainNumber(icu, n, digits))),
    count: (n) => new Html(escapeHtml(plainNumber(icu, n, 0))),
    signed: (n) => isolated(formatSigned(icu, n)),
    percent: (share) => (share === null || share === undefined ? none : bdi(plainPercent(icu, share, 1))),
    range: (low, high) => new Html(words.html('range', { low: words.number(low), high: words.number(high) })),
    day: (at, timeZone = 'UTC') => isolated(formatDay(icu, at, timeZone)),
    moment: (at, timeZone = 'UTC') => isolated(formatMoment(icu, at, timeZone)),
  };
  return words;
}

const byLocale = new Map<Locale, ScreenWords>();

/** The screen words of a language; English for one that is not registered. */
export function screenWords(locale: string | undefined): ScreenWords {
  const code = isLanguage(locale) ? locale : 'en';
  let words = byLocale.get(code);
  if (!words) byLocale.set(code, (words = wordsOf(code)));
  return words;
}

/** A registered language named by a query or a setting, if it is one. */
export const shippedLocale = (value: unknown): Locale | undefined => (isLanguage(value) ? value : undefined);

/** The browser's preferred shipped language from its Accept-Language header (q-values honoured), if any. */
export function acceptedLocale(acceptLanguage: string | undefined): Locale | undefined {
  if (!acceptLanguage) return undefined;
  return shippedLocale(new Negotiator({ headers: { 'accept-language': acceptLanguage } }).language(languageCodes()));
}
