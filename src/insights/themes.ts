import { ara, eng, por, spa, urd } from 'stopword';
import type { Band, Locale } from '../domain/surveys.js';
import { benjaminiHochberg, normalUpperTail } from '../scoring/significance.js';

/**
 * Comment themes: words and two-word phrases, counted once per comment, ranked by a smoothed
 * log-odds ratio between two groups of comments (detractors against promoters). Deterministic: the
 * same comments give the same themes in the same order; every number is a count or a formula of counts.
 */

/** Urdu written with Arabic code points (a common keyboard and encoding habit) read as the Urdu letters; Arabic hamza carriers as alef. */
const urduLetters: Array<[RegExp, string]> = [
  [/\u064A/g, '\u06CC'], // Arabic yeh → Farsi/Urdu yeh
  [/\u0649/g, '\u06CC'], // alef maksura → yeh
  [/\u0643/g, '\u06A9'], // Arabic kaf → keheh
  [/\u0647/g, '\u06C1'], // heh → heh goal
  [/[\u0623\u0625]/g, '\u0627'], // Arabic alef with hamza, often typed without it → alef
];

/** One spelling per word: NFKC, lower case, Urdu letter forms unified, accents off Latin letters (llegó → llego). */
export function normalizeWord(word: string): string {
  let w = word.normalize('NFKC').toLowerCase();
  for (const [from, to] of urduLetters) w = w.replace(from, to);
  if (/\p{Script=Latin}/u.test(w)) w = w.normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC');
  return w;
}

/**
 * Stop words of the shipped languages at once (a comment is not always in the survey's language):
 * `stopword`'s English, Spanish, Portuguese, Arabic and Urdu lists, plus the Urdu function words its
 * Urdu list misses (part of that list is mis-encoded, e.g. "اضتعوبل" for "استعمال") and the forms of
 * "ser" its Portuguese list misses.
 */
const urduSupplement = ['میں', 'سے', 'کا', 'کو', 'نے', 'تھا', 'تھے', 'گیا', 'گئی', 'بہت', 'نہیں', 'بھی', 'لیکن', 'ہم', 'آپ', 'وہ', 'اس', 'ان', 'جو', 'کہ', 'تو', 'ہی', 'رہا', 'رہی', 'کر', 'کیا', 'کی', 'کے', 'ہے', 'ہیں', 'اور', 'یہ', 'پر', 'ایک', 'ہو'];
const portugueseSupplement = ['foi', 'foram', 'era', 'eram', 'é', 'são', 'está', 'estava'];
const stopWords = new Set([...eng, ...spa, ...por, ...portugueseSupplement, ...ara, ...urd, ...urduSupplement].map(normalizeWord));

const segmenters = new Map<string, Intl.Segmenter>();
const segmenter = (locale: string) => {
  let s = segmenters.get(locale);
  if (!s) segmenters.set(locale, (s = new Intl.Segmenter(locale, { granularity: 'word' })));
  return s;
};

/**
 * The terms of one comment: its words (Intl.Segmenter, by the survey's language) without stop
 * words, numbers and one-letter words, and each two such words that stand next to each other with
 * only spaces between them (a stop word or punctuation breaks a phrase).
 */
export function commentTerms(text: string, locale: Locale | string = 'en'): string[] {
  const terms = new Set<string>();
  let previous: string | undefined;
  for (const seg of segmenter(locale).segment(text)) {
    if (!seg.isWordLike) {
      if (seg.segment.trim()) previous = undefined;
      continue;
    }
    const word = normalizeWord(seg.segment);
    if (stopWords.has(word) || [...word].length < 2 || !/\p{L}/u.test(word)) {
      previous = undefined;
      continue;
    }
    terms.add(word);
    if (previous) terms.add(`${previous} ${word}`);
    previous = word;
  }
  return [...terms];
}

export interface ThemeComment {
  id: string;
  band: Band;
  comment: string;
  locale?: Locale;
  /** The period the comment belongs to (a week or month key). */
  period: string;
}

export interface Theme {
  term: string;
  /** Comments of the band with the term, of all the band's comments. */
  count: number;
  of: number;
  /** Comments of the other group with the term, of all of them. */
  otherCount: number;
  otherOf: number;
  /** ln((count+½)/(of−count+½)) − ln((otherCount+½)/(otherOf−otherCount+½)). */
  logOdds: number;
  /** logOdds / its standard error, sqrt of the sum of the four 1/(cell+½): 1.96 and over is beyond noise. */
  z: number;
  /** One-sided p of z, Benjamini–Hochberg adjusted over every term of the band and period with enough comments. */
  adjustedP: number;
  commentIds: string[];
}

export interface PeriodThemes {
  period: string;
  band: Band;
  /** What the band is compared with: promoters for detractors, detractors for promoters, both for passives. */
  against: Band[];
  themes: Theme[];
}

/** A theme is reported when at least this many of the band's comments have it. */
export const minThemeComments = 3;

const others: Record<Band, Band[]> = { detractor: ['promoter'], promoter: ['detractor'], passive: ['detractor', 'promoter'] };

/**
 * A band's comments of one period as counts that add up across periods: how many comments, and per
 * term how many have it, with the first of their ids (sorted) up to a limit.
 */
export interface BandTermCounts {
  band: Band;
  comments: number;
  terms: Array<{ term: string; count: number; ids: string[] }>;
}

const bands = ['detractor', 'passive', 'promoter'] as const;

/** The term counts of some comments, one entry per band that has comments; `idLimit` ids kept per term. */
export function termCounts(comments: readonly Omit<ThemeComment, 'period'>[], idLimit = Infinity): BandTermCounts[] {
  return bands.flatMap((band) => {
    const mine = comments.filter((c) => c.band === band);
    if (!mine.length) return [];
    const ids = new Map<string, string[]>();
    for (const c of mine) {
      for (const t of commentTerms(c.comment, c.locale)) {
        const list = ids.get(t);
        if (list) list.push(c.id);
        else ids.set(t, [c.id]);
      }
    }
    return [{ band, comments: mine.length, terms: [...ids].map(([term, list]) => ({ term, count: list.length, ids: list.sort().slice(0, idLimit) })) }];
  });
}

/** Several periods' term counts as one period's; `idLimit` ids kept per term (the smallest). */
export function addTermCounts(parts: ReadonlyArray<readonly BandTermCounts[]>, idLimit = Infinity): BandTermCounts[] {
  return bands.flatMap((band) => {
    const of = parts.flatMap((p) => p.filter((c) => c.band === band));
    if (!of.length) return [];
    const terms = new Map<string, { count: number; ids: string[] }>();
    for (const part of of) {
      for (const t of part.terms) {
        const total = terms.get(t.term) ?? { count: 0, ids: [] };
        total.count += t.count;
        total.ids.push(...t.ids);
        terms.set(t.term, total);
      }
    }
    const comments = of.reduce((sum, c) => sum + c.comments, 0);
    return comments ? [{ band, comments, terms: [...terms].map(([term, t]) => ({ term, count: t.count, ids: t.ids.sort().slice(0, idLimit) })) }] : [];
  });
}

/** One period's themes per band from its term counts, each ranked by z (then phrases before words, then count, then alphabetically). */
export function themesFromCounts(period: string, counts: readonly BandTermCounts[], options: { limit?: number; minComments?: number } = {}): PeriodThemes[] {
  const limit = options.limit ?? 10;
  const min = options.minComments ?? minThemeComments;
  const lookup = new Map(counts.map((c) => [c.band, new Map(c.terms.map((t) => [t.term, t.count]))]));
  const out: PeriodThemes[] = [];
  for (const band of bands) {
    const mine = counts.find((c) => c.band === band);
    if (!mine?.comments) continue;
    const theirs = counts.filter((c) => others[band].includes(c.band));
    const otherOf = theirs.reduce((sum, c) => sum + c.comments, 0);
    const otherCount = (term: string) => others[band].reduce((sum, b) => sum + (lookup.get(b)?.get(term) ?? 0), 0);
    const tried = mine.terms.filter((t) => t.count >= min).map((t) => theme(t.term, t.count, t.ids, mine.comments, otherCount(t.term), otherOf));
    const q = benjaminiHochberg(tried.map((t) => normalUpperTail(t.z)));
    const themes = tried
      // Added to each (new) theme, not spread into a copy: on Node 20 a field after a spread costs about 1 µs and gives the object a map of its own.
      .map((t, i) => Object.assign(t, { adjustedP: q[i]! }))
      .filter((t) => t.z > 0)
      .sort((a, b) => b.z - a.z || Number(b.term.includes(' ')) - Number(a.term.includes(' ')) || b.count - a.count || a.term.localeCompare(b.term))
      .slice(0, limit);
    out.push({ period, band, against: others[band], themes });
  }
  return out;
}

/** Themes per period and band, each ranked by z (then phrases before words, then count, then alphabetically). */
export function commentThemes(comments: readonly ThemeComment[], options: { limit?: number; minComments?: number } = {}): PeriodThemes[] {
  const periods = [...new Set(comments.map((c) => c.period))].sort();
  return periods.flatMap((period) => themesFromCounts(period, termCounts(comments.filter((c) => c.period === period)), options));
}

function theme(term: string, count: number, commentIds: string[], of: number, otherCount: number, otherOf: number): Omit<Theme, 'adjustedP'> {
  const cells = [count, of - count, otherCount, otherOf - otherCount].map((x) => x + 0.5) as [number, number, number, number];
  const logOdds = Math.log(cells[0] / cells[1]) - Math.log(cells[2] / cells[3]);
  const z = logOdds / Math.sqrt(cells.reduce((sum, x) => sum + 1 / x, 0));
  return { term, count, of, otherCount, otherOf, logOdds, z, commentIds };
}
