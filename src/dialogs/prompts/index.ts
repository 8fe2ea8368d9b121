import type { Outbound } from '../../domain/channels.js';
import { isLanguage, languageCodes, languageOf } from '../languages.js';
import type { Keyword, Locale, PromptVars } from '../types.js';
import { Catalog } from './catalog.js';
import { promptSetOf, type PromptSet, type Wording } from './prompt-set.js';

export type { PromptSet, Wording } from './prompt-set.js';
export { Catalog, compileMessage, localeFacts, placeholders, valuesOf, wordingKeys } from './catalog.js';
export type { CompiledMessage, Placeholder, WordingKey } from './catalog.js';

const catalogs = new Map<Locale, Catalog>();
const shipped = new Map<Locale, PromptSet>();

/**
 * The catalog of a language. One no longer registered (a stored survey's, after its folder was left
 * out of LANGUAGES_DIR) speaks English rather than failing mid-survey.
 */
export function catalogOf(locale: Locale): Catalog {
  const code = isLanguage(locale) ? locale : 'en';
  let found = catalogs.get(code);
  if (!found) catalogs.set(code, (found = new Catalog(code, languageOf(code).messages)));
  return found;
}

/**
 * The catalogs of every registered language (`catalogs/<code>.json`, and a deployer's from
 * `LANGUAGES_DIR`): the wording every business starts with. Read like a record, `shippedCatalogs.pt`.
 */
export const shippedCatalogs: Readonly<Record<Locale, Catalog>> = new Proxy({} as Record<Locale, Catalog>, {
  get: (_, code) => (typeof code === 'string' && isLanguage(code) ? catalogOf(code) : undefined),
  has: (_, code) => typeof code === 'string' && isLanguage(code),
  ownKeys: () => languageCodes(),
  getOwnPropertyDescriptor: (_, code) => (typeof code === 'string' && isLanguage(code) ? { value: catalogOf(code), enumerable: true, configurable: true } : undefined),
});

/** The prompts of a language: the shipped ones, or with a business's own wording laid over them. */
export function promptsFor(locale: Locale, wording?: Wording): PromptSet {
  if (wording) return promptSetOf(catalogOf(locale), wording);
  const catalog = catalogOf(locale);
  let found = shipped.get(catalog.locale);
  if (!found) shipped.set(catalog.locale, (found = promptSetOf(catalog)));
  return found;
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
