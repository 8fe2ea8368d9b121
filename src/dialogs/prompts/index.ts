import type { CommentBox, Outbound } from '../../domain/channels.js';
import type { Band, Keyword, Locale, PromptVars, SurveyKind } from '../types.js';
import { en } from './en.js';
import { es } from './es.js';
import { ur } from './ur.js';

/** Everything the survey says, in one language. */
export interface PromptSet {
  readonly locale: Locale;
  readonly dir: 'ltr' | 'rtl';
  /** A number written in the customer's script (Urdu uses ۰-۹). */
  digits(n: number): string;
  /** The first message: greeting and question. */
  invitation(kind: SurveyKind, vars: PromptVars): string;
  /** The question alone, to ask it again. */
  question(kind: SurveyKind, vars: PromptVars): string;
  reminder(kind: SurveyKind, vars: PromptVars): string;
  /** The comment question after a score, worded by band, mentioning how to skip. */
  followUp(kind: SurveyKind, band: Band): string;
  /** Labels of the comment box where a channel can show one (Teams). */
  commentBox: CommentBox;
  thankYou(band: Band, vars: PromptVars): string;
  /** After an unparseable reply: repeats the scale. */
  reprompt(kind: SurveyKind): string;
  /** After a second unparseable reply. */
  closing(): string;
  stopped(vars: PromptVars): string;
  started(vars: PromptVars): string;
  help(vars: PromptVars): string;
  nothingToSkip(): string;
  /** A deep link that names no survey any more (expired, used by someone else, another business). */
  linkInvalid(vars: PromptVars): string;
  /** A deep link opened by someone asked too recently to be asked again. */
  recentlyAnswered(vars: PromptVars): string;
  /** Short notices for a tapped button that cannot count (Telegram shows them as a toast). */
  tapAnswered(): string;
  tapEnded(): string;
  tapInvalid(): string;
  /** Added to the thank-you when a comment was longer than the cap and was cut. */
  commentCut(max: number): string;
}

const sets: Record<Locale, PromptSet> = { en, es, ur };

export function promptsFor(locale: Locale): PromptSet {
  return sets[locale];
}

/** A message in the prompt set's language and direction. */
export function message(prompts: PromptSet, text: string, choices?: Outbound['choices']): Outbound {
  return {
    text,
    ...(choices ? { choices } : {}),
    ...(prompts.dir === 'rtl' ? { dir: 'rtl' as const } : {}),
  };
}

/** The reply to a keyword when no survey is open (STOP and START confirmations, help, nothing to skip). */
export function keywordReply(keyword: Keyword, locale: Locale, vars: PromptVars): Outbound {
  const p = promptsFor(locale);
  switch (keyword) {
    case 'stop':
      return message(p, p.stopped(vars));
    case 'start':
      return message(p, p.started(vars));
    case 'help':
      return message(p, p.help(vars));
    case 'skip':
      return message(p, p.nothingToSkip());
  }
}
