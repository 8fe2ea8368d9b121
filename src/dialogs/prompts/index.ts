import type { Outbound } from '../../domain/channels.js';
import type { Keyword, Locale, PromptVars } from '../types.js';
import { en } from './en.js';
import { es } from './es.js';
import type { PromptSet } from './prompt-set.js';
import { ur } from './ur.js';

export type { PromptSet } from './prompt-set.js';

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
