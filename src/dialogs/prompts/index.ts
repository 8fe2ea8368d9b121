import type { Outbound } from '../../domain/channels.js';
import type { Keyword, Locale, PromptVars } from '../types.js';
import { promptSetOf, type PromptSet, type Wording } from './prompt-set.js';
import { catalogOf } from './shipped.js';

export type { PromptSet, Wording } from './prompt-set.js';
export { Catalog, compileMessage, localeFacts, placeholders, valuesOf, wordingKeys } from './catalog.js';
export type { CompiledMessage, Placeholder, WordingKey } from './catalog.js';

export { catalogOf, shippedCatalogs } from './shipped.js';
export { ownerWords, type OwnerWords } from './owner-words.js';

const shipped = new Map<Locale, PromptSet>();

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
