/**
 * Numbers, signed changes, ranges, percentages and dates as a language writes them, safe to place inside
 * right-to-left text. Every function takes the language's ICU locale (`ur-u-nu-arabext` for Urdu digits).
 *
 * In a right-to-left line a bare "-34 to 74" is reordered by the reader's bidi algorithm into "to 74 34-".
 * Each number is therefore wrapped in a first-strong isolate (U+2068 … U+2069), which keeps its sign and
 * digits together in their own direction wherever the surrounding text runs. HTML pages use `<bdi>` for the
 * same effect and may call the `plain` variants.
 */

const FSI = '\u2068';
const PDI = '\u2069';

/** One formatter per language and options, made on first use (building an `Intl` formatter is the slow part). */
function memo<T>(make: (icu: string, options: never) => T): (icu: string, options: object) => T {
  const made = new Map<string, T>();
  return (icu, options) => {
    const key = `${icu}|${JSON.stringify(options)}`;
    let found = made.get(key);
    if (!found) made.set(key, (found = make(icu, options as never)));
    return found;
  };
}

const numberFormat = memo((icu, options: Intl.NumberFormatOptions) => new Intl.NumberFormat(icu, options));
const dateFormat = memo((icu, options: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(icu, options));

/** A piece of text kept whole in its own direction inside any line. */
export const isolate = (text: string): string => `${FSI}${text}${PDI}`;

/** `1,234` / `1.234` / `۱٬۲۳۴`, without isolation (for HTML inside `<bdi>`). */
export const plainNumber = (icu: string, n: number, maximumFractionDigits = 1): string =>
  numberFormat(icu, { maximumFractionDigits }).format(n);

/** A number, isolated. */
export const formatNumber = (icu: string, n: number, maximumFractionDigits = 1): string =>
  isolate(plainNumber(icu, n, maximumFractionDigits));

/** A change with its sign always shown (`+12`, `−34`), isolated. */
export const formatSigned = (icu: string, n: number, maximumFractionDigits = 1): string =>
  isolate(numberFormat(icu, { maximumFractionDigits, signDisplay: 'exceptZero' }).format(n));

/** A share of 0–1 as a percentage (`42%`, `٪۴۲`), without isolation (for HTML inside `<bdi>`). */
export const plainPercent = (icu: string, share: number, maximumFractionDigits = 0): string =>
  numberFormat(icu, { style: 'percent', maximumFractionDigits }).format(share);

/** A share of 0–1 as a percentage, isolated. */
export const formatPercent = (icu: string, share: number, maximumFractionDigits = 0): string => isolate(plainPercent(icu, share, maximumFractionDigits));

/**
 * Two numbers joined by the language's own word or dash, each isolated: `formatRange('ur-u-nu-arabext',
 * -34, 74, '{low} سے {high}')`. The pattern comes from the catalog so each language words it itself.
 */
export const formatRange = (icu: string, low: number, high: number, pattern: string): string =>
  pattern.replace('{low}', formatNumber(icu, low)).replace('{high}', formatNumber(icu, high));

/** A day as the language writes it (`5 Dec 2026`, `5 dic 2026`), in a time zone, isolated. */
export const formatDay = (icu: string, day: Date, timeZone = 'UTC'): string =>
  isolate(dateFormat(icu, { day: 'numeric', month: 'short', year: 'numeric', timeZone }).format(day));

/** A moment with its time (`Sat 5 Dec, 14:05`), in a time zone, isolated. */
export const formatMoment = (icu: string, at: Date, timeZone = 'UTC'): string =>
  isolate(dateFormat(icu, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone }).format(at));
