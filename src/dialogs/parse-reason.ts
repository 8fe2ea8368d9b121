import { reasonChoicePrefix, type ReasonChoice } from '../domain/reasons.js';
import { normalizeReply } from './parse-score.js';

/** Case, accents and the ways digits are written folded away: "Entrega", "entrega" and "ENTREGA!" read alike. */
function fold(text: string): string {
  return normalizeReply(text)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * The choice a typed reply names, or undefined: its number in the list ("2", "۲", "2."), its label
 * in any of its languages or its key, case- and accent-insensitive. A reply that contains the words
 * of exactly one choice ("mostly the delivery") names it; one that names two names none.
 */
export function parseReason(text: string, choices: readonly ReasonChoice[]): string | undefined {
  const s = fold(text);
  if (s === '') return undefined;
  if (/^\d{1,2}$/.test(s)) return choices[Number(s) - 1]?.key;
  const namesOf = (c: ReasonChoice) => [c.key, ...Object.values(c.labels)].filter((n) => n !== undefined).map(fold).filter((n) => n !== '');
  const exact = choices.filter((c) => namesOf(c).includes(s));
  if (exact.length === 1) return exact[0]!.key;
  const padded = ` ${s} `;
  const within = choices.filter((c) => namesOf(c).some((n) => padded.includes(` ${n} `)));
  return within.length === 1 ? within[0]!.key : undefined;
}

/** The choice a tapped button's value names, or undefined when it is no reason button of these choices. */
export function parseReasonChoice(value: string, choices: readonly ReasonChoice[]): string | undefined {
  if (!value.startsWith(reasonChoicePrefix)) return undefined;
  const key = value.slice(reasonChoicePrefix.length);
  return choices.some((c) => c.key === key) ? key : undefined;
}
