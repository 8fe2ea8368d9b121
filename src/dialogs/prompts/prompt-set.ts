import type { CommentBox } from '../../domain/channels.js';
import type { Band, Locale, PromptVars, SurveyKind } from '../types.js';

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
  /** After the customer answers a reply from the business: their message went on to it. */
  forwarded(vars: PromptVars): string;
}
