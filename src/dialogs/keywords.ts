import { foldLetters } from './letters.js';
import { keywords, languageList, languagesVersion } from './languages.js';
import type { Keyword } from './types.js';

/** One spelling of a keyword reply: letters folded, surrounding punctuation and a Telegram bot name off. */
function foldKeyword(text: string): string {
  return foldLetters(text)
    .trim()
    // Telegram group commands name the bot: "/stop@AcmeBot".
    .replace(/^\/(\p{L}+)@\w+$/u, '$1')
    .replace(/^[\p{P}\p{S}\s]+|[\p{P}\p{S}\s]+$/gu, '');
}

let builtFor = -1;
let byWord = new Map<string, Keyword>();

/** Every language's keyword synonyms at once (a customer does not always answer in the survey's language). */
function keywordTable(): Map<string, Keyword> {
  if (builtFor !== languagesVersion()) {
    byWord = new Map(languageList().flatMap((l) => keywords.flatMap((k) => l.keywords[k].map((w) => [foldKeyword(w), k] as const))));
    builtFor = languagesVersion();
  }
  return byWord;
}

/**
 * The keyword a reply is, or null. Like carriers, only a reply that is nothing but the keyword counts:
 * "STOP!" and "/stop" do, "stop sending me these" does not.
 */
export function detectKeyword(text: string): Keyword | null {
  return keywordTable().get(foldKeyword(text)) ?? null;
}
