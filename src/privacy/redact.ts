/** What erased text is replaced with, wherever it was quoted. */
export const erasedText = '[erased]';

/** Shorter strings ("ok", a two-letter name) would take ordinary words with them; they identify no one. */
const minLength = 3;

const escapeRegex = (s: string) => s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

export interface Redactor {
  /** An alternation of the strings, for a case-insensitive `$regex` every server runs (no look-behind); undefined when there is nothing to find. */
  pattern: string | undefined;
  /** Whether `text` quotes any of the strings as a whole word. */
  quotes(text: string): boolean;
  /** `text` with every whole-word occurrence of the strings replaced by `erasedText`. */
  redact(text: string): string;
}

/**
 * Finds one person's strings (addresses, names, comments, the business's replies to them) where
 * others' messages quote them: owner alerts, digests, staff chats. Longest first, so a comment that
 * contains the name is taken whole; case-insensitive; only as whole words, so a name is not cut out
 * of a longer word.
 */
export function redactor(strings: Iterable<string | undefined>): Redactor {
  const needles = [...new Set([...strings].map((s) => s?.trim()).filter((s): s is string => !!s && s.length >= minLength))].sort((a, b) => b.length - a.length);
  if (!needles.length) return { pattern: undefined, quotes: () => false, redact: (text) => text };
  const alternation = needles.map(escapeRegex).join('|');
  const words = () => new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternation})(?![\\p{L}\\p{N}_])`, 'giu');
  return {
    pattern: alternation,
    quotes: (text) => words().test(text),
    redact: (text) => text.replace(words(), erasedText),
  };
}
