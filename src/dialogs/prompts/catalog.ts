import { IntlMessageFormat } from 'intl-messageformat';
import type { Locale, SurveyKind } from '../../domain/surveys.js';
import { scaleOf } from '../../domain/surveys.js';
import { isLanguage, languageOf } from '../languages.js';

export { localeFacts } from '../languages.js';

/** Words interpolated into prompts. */
export interface PromptVars {
  business: string;
  customerName?: string;
  /** What the survey is about: a product, an order, a visit. */
  context?: string;
  /** The parts of the survey's context, for a business's own wording (not stored with the dialog). */
  product?: string;
  order?: string;
  location?: string;
}

/**
 * Message catalogs: every text of the survey is an ICU MessageFormat message, read by
 * `intl-messageformat`. The shipped catalogs (`catalogs/<locale>.json`) are the defaults; a business's
 * own wording is laid over them. A key is looked up as `<kind>.<key>` first, then `<key>`.
 */

/** The messages a business may word itself, per survey kind and language. */
export const wordingKeys = [
  'invitation',
  'question',
  'reminder',
  'followUp.detractor',
  'followUp.passive',
  'followUp.promoter',
  'thankYou.detractor',
  'thankYou.passive',
  'thankYou.promoter',
  'reprompt',
  'closing',
  'reason.question',
  'reason.reprompt',
] as const;
export type WordingKey = (typeof wordingKeys)[number];


export type MessageValues = Record<string, string | number>;

/** A compiled message: a text with its placeholders filled. */
export interface CompiledMessage {
  readonly source: string;
  format(values: MessageValues): string;
}

/** `Intl` formatters shared by every message, found by a cheap key (the library's own cache serialises its arguments on each call). */
const formatterCache = new Map<string, unknown>();
function cached<T>(make: (locales?: string | string[], options?: object) => T) {
  return (locales?: string | string[], options?: object): T => {
    const key = `${make.name}|${String(locales)}|${options ? JSON.stringify(options) : ''}`;
    let found = formatterCache.get(key) as T | undefined;
    if (!found) formatterCache.set(key, (found = make(locales, options)));
    return found;
  };
}
const formatters = {
  getNumberFormat: cached(function number(l, o) { return new Intl.NumberFormat(l, o); }),
  getDateTimeFormat: cached(function dateTime(l, o) { return new Intl.DateTimeFormat(l, o); }),
  getPluralRules: cached(function plural(l, o) { return new Intl.PluralRules(l, o); }),
};

/** Compiles one ICU message; throws the parser's error on a broken one. */
export function compileMessage(source: string, locale: Locale): CompiledMessage {
  // A business's stored wording in a language no longer registered is still compiled (in English's formats).
  const compiled = new IntlMessageFormat(source, languageOf(isLanguage(locale) ? locale : 'en').icu, undefined, { ignoreTag: true, formatters });
  return { source, format: (values) => String(compiled.format(values)) };
}

/** A language's messages by key, compiled once on first use. */
export class Catalog {
  private readonly compiled = new Map<string, CompiledMessage>();

  constructor(
    readonly locale: Locale,
    private readonly sources: Readonly<Record<string, string>>,
  ) {}

  has(key: string): boolean {
    return Object.hasOwn(this.sources, key);
  }

  /** The message for `key`, the survey kind's own (`nps.question`) before the shared one. */
  message(key: string, kind?: SurveyKind): CompiledMessage {
    const found = kind && this.has(`${kind}.${key}`) ? `${kind}.${key}` : key;
    let compiled = this.compiled.get(found);
    if (!compiled) {
      const source = this.sources[found];
      if (source === undefined) throw new Error(`no message "${key}" in the ${this.locale} catalog`);
      compiled = compileMessage(source, this.locale);
      this.compiled.set(found, compiled);
    }
    return compiled;
  }
}

/** The placeholders every survey message may use, with what each one holds. */
export const placeholders = {
  business: 'the business name',
  name: "the customer's name as given",
  firstName: "the customer's first name",
  hasName: '"yes" when the name is known, else "no" (for a select)',
  context: 'what the survey is about, as worded when it was started',
  hasContext: '"yes" when there is a context, else "no"',
  product: 'the product of the survey context',
  hasProduct: '"yes" or "no"',
  order: 'the order of the survey context',
  hasOrder: '"yes" or "no"',
  location: 'the location of the survey context',
  hasLocation: '"yes" or "no"',
  min: 'the lowest score of the scale (a number)',
  max: 'the highest score of the scale (a number)',
} as const;
export type Placeholder = keyof typeof placeholders;

const yesNo = (value: string | undefined): string => (value ? 'yes' : 'no');

/** The values of the placeholders for one survey. */
export function valuesOf(kind: SurveyKind, v: PromptVars): MessageValues {
  const { min, max } = scaleOf(kind);
  const name = v.customerName ?? '';
  return {
    business: v.business,
    name,
    firstName: name.trim().split(/\s+/u)[0] ?? '',
    hasName: yesNo(name),
    context: v.context ?? '',
    hasContext: yesNo(v.context),
    product: v.product ?? '',
    hasProduct: yesNo(v.product),
    order: v.order ?? '',
    hasOrder: yesNo(v.order),
    location: v.location ?? '',
    hasLocation: yesNo(v.location),
    min,
    max,
  };
}

/** A business's own wording: the compiled message for a language, survey kind and key, if it has one. */
export interface Wording {
  message(locale: Locale, kind: SurveyKind, key: WordingKey): CompiledMessage | undefined;
}
