import type { Keyword } from './types.js';

const keywordWords: Record<Keyword, readonly string[]> = {
  stop: [
    'stop', 'stopall', 'unsubscribe', 'cancel', 'end', 'quit', 'revoke', 'optout',
    'alto', 'parar', 'baja', 'cancelar',
    'بند', 'روکیں',
  ],
  start: ['start', 'unstop', 'yes', 'inicio', 'alta', 'si', 'sí', 'شروع'],
  help: ['help', 'info', 'ayuda', 'مدد'],
  skip: ['skip', 'omitir', 'چھوڑیں'],
};

const byWord = new Map<string, Keyword>(
  Object.entries(keywordWords).flatMap(([keyword, words]) => words.map((w) => [w, keyword as Keyword] as const)),
);

/**
 * The keyword a reply is, or null. Like carriers, only a reply that is nothing but the keyword counts:
 * "STOP!" and "/stop" do, "stop sending me these" does not.
 */
export function detectKeyword(text: string): Keyword | null {
  const s = text
    .normalize('NFKC')
    .replace(/\p{Cf}/gu, '')
    .replace(/\u064a|\u0649/g, '\u06cc')
    .replace(/\u0643/g, '\u06a9')
    .trim()
    .toLowerCase()
    // Telegram group commands name the bot: "/stop@AcmeBot".
    .replace(/^\/(\p{L}+)@\w+$/u, '$1')
    .replace(/^[\p{P}\p{S}\s]+|[\p{P}\p{S}\s]+$/gu, '');
  return byWord.get(s) ?? null;
}
