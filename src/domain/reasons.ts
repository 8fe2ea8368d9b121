import type { Locale } from './surveys.js';

/**
 * The optional reason question ("What was it mostly about?"): one single-choice question a business
 * may add between the score and the comment. Each choice has a stable key (what is stored, exported
 * and counted as the cohort `reason:<key>`) and a label per language.
 */
export interface ReasonChoice {
  key: string;
  /** The label per language; a language without one shows the business language's label, else the key. */
  labels: Partial<Record<Locale, string>>;
}

export interface ReasonQuestion {
  enabled: boolean;
  /** Promoters go straight to the comment. */
  skipPromoters: boolean;
  choices: ReasonChoice[];
}

/** Keys are short, lower-case and safe in a cohort name, a CSV cell and a button's value (Telegram keeps 64 bytes for it and the survey id). */
export const reasonKeyPattern = /^[a-z0-9][a-z0-9_-]{0,23}$/;
/** The most choices: a numbered SMS list stays short and a keyboard one screen. */
export const maxReasonChoices = 8;
/** A choice's button value: never a score's, so a stale score tap is told from a reason tap. */
export const reasonChoicePrefix = 'reason:';
export const reasonCohortPrefix = 'reason:';

/** The label a customer sees for a choice, in their language. */
export function reasonLabel(choice: ReasonChoice, locale: Locale, fallback?: Locale): string {
  return choice.labels[locale] ?? (fallback ? choice.labels[fallback] : undefined) ?? Object.values(choice.labels)[0] ?? choice.key;
}
