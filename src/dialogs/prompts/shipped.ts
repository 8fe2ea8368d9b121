import { isLanguage, languageCodes, languageOf } from '../languages.js';
import type { Locale } from '../types.js';
import { Catalog } from './catalog.js';

const catalogs = new Map<Locale, Catalog>();

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
