/**
 * What must never be in a log: the personal addresses and texts a test sent, and every secret the
 * server holds. A test collects what it used in a `Sensitive` and scans the captured lines for it.
 */
import { secrets } from './rig.js';

export interface Sensitive {
  phones: Set<string>;
  chatIds: Set<string>;
  visitorIds: Set<string>;
  teamsUsers: Set<string>;
  comments: Set<string>;
  /** Bearer tokens the test presented (Teams JWTs), besides the server's own secrets. */
  tokens: Set<string>;
}

export function sensitive(): Sensitive {
  return { phones: new Set(), chatIds: new Set(), visitorIds: new Set(), teamsUsers: new Set(), comments: new Set(), tokens: new Set() };
}

export type LeakCounts = Record<'phone numbers' | 'chat ids' | 'visitor ids' | 'teams user ids' | 'tokens and secrets' | 'comment texts', number>;

/** A phone number with any of the separators people and libraries put between its digits. */
function phonePattern(e164: string): RegExp {
  // The national part (the last 10 digits), so +1 415 555 0100 and (415) 555-0100 are both found.
  const digits = e164.replace(/\D/g, '').slice(-10);
  return new RegExp(digits.split('').join('[\\s().-]{0,2}'));
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Every 12-character piece of a long value: the logger masks digit runs inside ids and tokens
 * (`v_42462dd4f6b2c***42af15cb0ccc43`), and what is left of them is still a leak.
 */
function pieces(values: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const value of values) {
    if (value.length <= 12) out.add(value);
    else for (let i = 0; i + 12 <= value.length; i++) out.add(value.slice(i, i + 12));
  }
  return [...out];
}
const containsAny = (words: string[]) => (line: string) => words.some((w) => line.includes(w));

/** How many log lines carry each kind of thing, and the first few such lines (shortened). */
export function scanLogs(lines: readonly string[], found: Sensitive): { lines: number; leaks: LeakCounts; examples: string[] } {
  const secretValues = [...Object.values(secrets), secrets.telegramToken.split(':')[1]!, ...found.tokens];
  // Any JWT at all: a token's signature part is as secret as the token.
  const jwt = /eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}/;
  const checks: Array<[keyof LeakCounts, (line: string) => boolean]> = [
    ['phone numbers', (() => {
      const patterns = [...found.phones].map(phonePattern);
      return (line: string) => patterns.some((p) => p.test(line));
    })()],
    ['chat ids', (() => {
      const pattern = found.chatIds.size ? new RegExp(`(^|\\D)(${[...found.chatIds].map(escape).join('|')})(\\D|$)`) : /$^/;
      return (line: string) => pattern.test(line);
    })()],
    ['visitor ids', containsAny(pieces([...found.visitorIds].map((v) => v.replace(/^v_/, ''))))],
    ['teams user ids', containsAny(pieces(found.teamsUsers))],
    ['tokens and secrets', (() => {
      const secretPieces = containsAny(pieces(secretValues.filter((v) => v.length >= 8)));
      return (line: string) => jwt.test(line) || secretPieces(line);
    })()],
    ['comment texts', (line) => [...found.comments].some((c) => line.includes(c))],
  ];
  const leaks = Object.fromEntries(checks.map(([name]) => [name, 0])) as LeakCounts;
  const examples: string[] = [];
  for (const line of lines) {
    for (const [name, leaked] of checks) {
      if (!leaked(line)) continue;
      leaks[name]++;
      if (examples.length < 12) examples.push(`${name}: ${line.slice(0, 300)}`);
    }
  }
  return { lines: lines.length, leaks, examples };
}

export function describeLeaks(leaks: LeakCounts): string {
  return Object.entries(leaks)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
}
