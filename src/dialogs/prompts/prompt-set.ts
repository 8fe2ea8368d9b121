import type { CommentBox } from '../../domain/channels.js';
import type { Band, Locale, PromptVars, SurveyKind } from '../types.js';
import { languageOf } from '../languages.js';
import { valuesOf, type Catalog, type Wording, type WordingKey } from './catalog.js';

export type { Wording } from './catalog.js';

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
  followUp(kind: SurveyKind, band: Band, vars?: PromptVars): string;
  /** Labels of the comment box where a channel can show one (Teams). */
  commentBox: CommentBox;
  /** The survey kind picks a business's own wording for that kind; the shipped one is the same for all. */
  thankYou(band: Band, vars: PromptVars, kind?: SurveyKind): string;
  /** After an unparseable reply: repeats the scale. */
  reprompt(kind: SurveyKind, vars?: PromptVars): string;
  /** The optional reason question ("What was it mostly about?"), mentioning how to skip. */
  reasonQuestion(kind: SurveyKind, vars?: PromptVars): string;
  /** After an unparseable answer to the reason question. */
  reasonReprompt(kind: SurveyKind, vars?: PromptVars): string;
  /** After a second unparseable reply. */
  closing(kind?: SurveyKind, vars?: PromptVars): string;
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

/** The prompts of one language from its catalog, with a business's own wording laid over it. */
export function promptSetOf(catalog: Catalog, wording?: Wording): PromptSet {
  const locale = catalog.locale;
  // The language's ten digits, looked up per character: buttons are drawn on every question, and a
  // formatter call per button costs more than the rest of a step.
  const numbers = new Intl.NumberFormat(languageOf(locale).icu, { useGrouping: false });
  const digitsOf = Array.from({ length: 10 }, (_, d) => numbers.format(d));
  const scale = Array.from({ length: 11 }, (_, n) => numbers.format(n));
  const noVars: PromptVars = { business: '' };
  const text = (key: string, values: Record<string, string | number> = {}): string => catalog.message(key).format(values);
  /** A message a business may word: its own for this kind and language, else the catalog's. */
  const worded = (key: WordingKey, kind: SurveyKind, vars: PromptVars, extra: Record<string, string> = {}): string => {
    const own = wording?.message(locale, kind, key) ?? catalog.message(key, kind);
    return own.format({ ...valuesOf(kind, vars), ...extra });
  };
  const question = (kind: SurveyKind, vars: PromptVars): string => worded('question', kind, vars);
  const shared = (key: string) => (vars: PromptVars) => text(key, { business: vars.business });
  return {
    locale,
    dir: languageOf(locale).dir,
    digits: (n) => scale[n] ?? String(n).replace(/\d/g, (d) => digitsOf[Number(d)] ?? d),
    invitation: (kind, vars) => worded('invitation', kind, vars, { question: question(kind, vars) }),
    question,
    reminder: (kind, vars) => worded('reminder', kind, vars, { question: question(kind, vars) }),
    followUp: (kind, band, vars = noVars) => `${worded(`followUp.${band}`, kind, vars)} ${text('skipHint')}`,
    commentBox: { placeholder: text('commentBox.placeholder'), send: text('commentBox.send'), skip: text('commentBox.skip') },
    thankYou: (band, vars, kind = 'nps') => worded(`thankYou.${band}`, kind, vars),
    reprompt: (kind, vars = noVars) => worded('reprompt', kind, vars),
    closing: (kind = 'nps', vars = noVars) => worded('closing', kind, vars),
    reasonQuestion: (kind, vars = noVars) => `${worded('reason.question', kind, vars)} ${text('skipHint')}`,
    reasonReprompt: (kind, vars = noVars) => worded('reason.reprompt', kind, vars),
    stopped: shared('stopped'),
    started: shared('started'),
    help: shared('help'),
    nothingToSkip: () => text('nothingToSkip'),
    linkInvalid: shared('linkInvalid'),
    recentlyAnswered: shared('recentlyAnswered'),
    tapAnswered: () => text('tapAnswered'),
    tapEnded: () => text('tapEnded'),
    tapInvalid: () => text('tapInvalid'),
    commentCut: (max) => text('commentCut', { limit: max }),
    forwarded: shared('forwarded'),
  };
}
