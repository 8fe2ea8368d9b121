import { formatDay, formatMoment, formatNumber, formatPercent, formatRange, formatSigned } from '../../domain/locale-format.js';
import type { Locale } from '../../domain/surveys.js';
import type { MessageValues } from './catalog.js';
import { isLanguage, languageOf } from '../languages.js';
import { catalogOf } from './shipped.js';

/**
 * Everything owners and staff read (the digest, alerts, command answers, usage errors) in one
 * language: the `owner.*` messages of the shipped catalog, and numbers, changes, ranges, percentages
 * and dates written as that language writes them (`domain/locale-format.ts`). Not business wording.
 */
export interface OwnerWords {
  readonly locale: Locale;
  readonly dir: 'ltr' | 'rtl';
  /** The language's ICU locale (`ur-u-nu-arabext`: Urdu digits). */
  readonly icu: string;
  /** The message `owner.<key>` with its values. */
  t(key: string, values?: MessageValues): string;
  number(n: number, maximumFractionDigits?: number): string;
  /** A change with its sign always shown. */
  signed(n: number, maximumFractionDigits?: number): string;
  /** A share of 0–1 as a percentage; `-` when unknown. */
  percent(share: number | null, maximumFractionDigits?: number): string;
  /** "-34 to 74", each number kept whole in a right-to-left line. */
  range(low: number, high: number): string;
  /** A day (a `YYYY-MM-DD` week key or a date). */
  day(day: string | Date, timeZone?: string): string;
  /** A moment with its time, in a time zone. */
  moment(at: Date, timeZone: string): string;
  /** "a, b, c" as the language joins a list. */
  list(items: readonly string[]): string;
  /** "a, b or c". */
  either(items: readonly string[]): string;
  /** A language's name in this language ("Spanish", "español", "ہسپانوی"). */
  languageName(locale: string): string;
}

/** Text without direction isolates: for a place that is one run anyway (a chart's label). */
export const withoutIsolates = (s: string) => s.replace(/[\u2068\u2069]/g, '');

// Isolates (U+2068…U+2069) keep numbers whole in right-to-left lines; left-to-right messages leave them
// out: they change nothing there, and one non-GSM character makes an SMS cost twice the segments.
const plain = withoutIsolates;

const made = new Map<Locale, OwnerWords>();

/** The owner words of a language (built once per language). */
export function ownerWords(locale: Locale): OwnerWords {
  const found = made.get(locale);
  if (found) return found;
  const { icu, dir } = languageOf(isLanguage(locale) ? locale : 'en');
  const out = dir === 'rtl' ? (s: string) => s : plain;
  const catalog = catalogOf(locale);
  // English keeps ISO dates (2026-03-09) and its day-month order for moments, as owners and their tools read them.
  const iso = locale === 'en';
  const lists = new Intl.ListFormat(icu, { style: 'long', type: 'conjunction' });
  const ors = new Intl.ListFormat(icu, { style: 'long', type: 'disjunction' });
  const names = new Intl.DisplayNames([icu], { type: 'language' });
  const words: OwnerWords = {
    locale,
    dir,
    icu,
    t: (key, values = {}) => catalog.message(`owner.${key}`).format(values),
    number: (n, digits = 1) => out(formatNumber(icu, n, digits)),
    signed: (n, digits = 1) => out(formatSigned(icu, n, digits)),
    percent: (share, digits = 1) => (share === null ? '-' : out(formatPercent(icu, share, digits))),
    range: (low, high) => out(formatRange(icu, low, high, catalog.message('owner.range').source)),
    day: (day, timeZone = 'UTC') => {
      if (iso) return typeof day === 'string' ? day : day.toISOString().slice(0, 10);
      return out(formatDay(icu, typeof day === 'string' ? new Date(`${day}T00:00:00Z`) : day, typeof day === 'string' ? 'UTC' : timeZone));
    },
    moment: (at, timeZone) => out(formatMoment(iso ? 'en-GB' : icu, at, timeZone)),
    list: (items) => (locale === 'en' ? items.join(', ') : lists.format(items)),
    either: (items) => (locale === 'en' && items.length > 1 ? `${items.slice(0, -1).join(', ')} or ${items.at(-1)}` : ors.format(items)),
    languageName: (code) => names.of(code) ?? code,
  };
  made.set(locale, words);
  return words;
}
