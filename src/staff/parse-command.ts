import { channelFacts, exampleAddress, phoneChannel } from '../domain/channel-facts.js';
import { channelNames, type ChannelName } from '../domain/channels.js';
import { surveyKinds, type Locale, type SurveyKind } from '../domain/surveys.js';
import { normalizePhone } from '../domain/phone.js';
import { cleanText } from '../domain/text.js';
import { isLanguage, languageCodes } from '../dialogs/languages.js';
import { ownerWords, type OwnerWords } from '../dialogs/prompts/owner-words.js';

/** Who a `/survey` goes to: a phone number (the phone channel), a stored customer, or an explicit channel address. */
export type SurveyTarget =
  | { type: 'phone'; phone: string }
  | { type: 'customer'; customerId: string }
  | { type: 'address'; channel: ChannelName; address: string };

export type StatsPeriod = 7 | 30 | 90;

export type Command =
  | { name: 'survey'; kind: SurveyKind; target: SurveyTarget; context?: string }
  | { name: 'link'; kind: SurveyKind; customerId?: string; context?: string }
  | ({ name: 'qr'; kind: SurveyKind } & LinkFields)
  | { name: 'stats'; days: StatsPeriod }
  | { name: 'digest' }
  | { name: 'dashboard' }
  | { name: 'reply'; surveyId: string; text: string }
  | { name: 'end'; surveyId: string }
  | { name: 'help' }
  | { name: 'language'; locale?: Locale }
  | { name: 'claim'; code: string }
  | { name: 'staff'; action: 'add'; channel: ChannelName; address: string; role: 'owner' | 'staff' }
  | { name: 'staff'; action: 'remove'; channel: ChannelName; address: string }
  | { name: 'staff'; action: 'list' };

export type CommandName = Command['name'];

/** What a survey link made in chat is for (`/qr`). */
export interface LinkFields {
  locale?: Locale;
  location?: string;
  staff?: string;
  product?: string;
  campaign?: string;
}

export type ParseResult =
  | { type: 'none' }
  | { type: 'command'; command: Command }
  /**
   * `problem` names the bad part and how to fix it (in English); `words` is the same in any
   * language; `usageReply` puts it before the usage line.
   */
  | { type: 'invalid'; name: CommandName; problem: string; usage: string; words: ProblemWords };

/** A problem as a catalog message (`owner.problem.<key>`), so each reader gets it in their language. */
export interface ProblemWords {
  key: string;
  values?: Record<string, string | number>;
  /** Why the extra words are wrong (`owner.problem.why.<key>`), for `unexpected`. */
  why?: { key: string; values?: Record<string, string> };
}

/** A problem in a reader's language. */
export function problemText(p: ProblemWords, w: OwnerWords): string {
  const why: Record<string, string> = p.why ? { why: w.t(`problem.why.${p.why.key}`, p.why.values) } : {};
  return w.t(`problem.${p.key}`, { ...p.values, ...why });
}

const commandNames: CommandName[] = ['survey', 'link', 'qr', 'stats', 'digest', 'dashboard', 'reply', 'end', 'help', 'language', 'claim', 'staff'];
const english = ownerWords('en');

/** How a command is written, in a reader's language (its placeholders translated, the words to type not). */
export const usageOf = (name: CommandName, w: OwnerWords = english): string => w.t(`command.usage.${name}`, { choices: languageCodes().join('|') });

/** The usage lines in English. */
export const usages = Object.fromEntries(commandNames.map((n) => [n, usageOf(n)])) as Record<CommandName, string>;

/** What a staff member reads when a command cannot run: what is wrong and how to fix it, then the usage line. */
export function usageReply(name: CommandName, problem: string, w: OwnerWords = english): string {
  return `${problem}\n${w.t('command.usageLine', { usage: usageOf(name, w) })}`;
}

const objectId = /^[a-f0-9]{24}$/i;
/** One word of a phone number as people write it: digits with + ( ) - . between them. */
const phoneWord = /^\+?[\d().-]*\d[\d().-]*$/;
const maxContext = 200;
const examplePhone = channelFacts[phoneChannel].address.example;
/** An identity on a channel with ids (`telegram:12345`), beside the phone channel's, for examples. */
const exampleId = exampleAddress(channelNames.find((c) => c !== phoneChannel) ?? phoneChannel);

export interface ParseOptions {
  /** The channel's people may leave out the leading slash (its `commands.slashOptional` fact). */
  slashOptional: boolean;
  /** The business's country (ISO 3166 alpha-2), for phone numbers written without + and country code. */
  country: string;
}

/** Thrown inside the parser only: a problem for the usage reply. */
class Problem extends Error {
  constructor(readonly words: ProblemWords) {
    super(problemText(words, english));
  }
}
const problem = (key: string, values?: ProblemWords['values']) => new Problem({ key, ...(values ? { values } : {}) });

const kindOf = (word: string | undefined): SurveyKind => {
  if (!word) throw problem('kindMissing');
  const kind = word.toLowerCase() as SurveyKind;
  if (!surveyKinds.includes(kind)) throw problem('kindUnknown', { word });
  return kind;
};

const contextOf = (words: readonly string[]): string | undefined => {
  const about = cleanText(words.join(' '));
  if (about.length > maxContext) throw problem('contextLong', { length: String(about.length), max: String(maxContext) });
  return about || undefined;
};

/**
 * A phone number written over one or more words, "(415) 555-2671" or "+44 20 7946 0958": the longest
 * run of phone words that is a valid number for the business's country, in E.164, and how many words
 * it took. Shorter runs are tried so a context starting with a number ("1042") stays the context.
 */
function phoneOf(words: readonly string[], country: string): { phone: string; used: number } {
  let run = 0;
  while (run < words.length && phoneWord.test(words[run] ?? '') && (run === 0 || !words[run]?.startsWith('+'))) run++;
  for (let used = run; used > 0; used--) {
    const phone = normalizePhone(words.slice(0, used).join(' '), country);
    if (phone) return { phone, used }; // else: not a number with this many words; try fewer
  }
  throw problem('notPhone', { text: words.slice(0, Math.max(run, 1)).join(' '), example: examplePhone });
}

/**
 * `channel:address` at the start of `words`, a phone channel's address read as a phone number (it
 * may span words); undefined when the first word has no channel prefix at all.
 */
function channelAddressOf(words: readonly string[], country: string): { channel: ChannelName; address: string; used: number } | undefined {
  const [first = ''] = words;
  const m = /^([a-z]+):([\s\S]*)$/i.exec(first);
  if (!m) return undefined;
  const [, prefix = '', address = ''] = m;
  const channel = prefix.toLowerCase() as ChannelName;
  if (!channelNames.includes(channel)) throw problem('channelUnknown', { prefix, channels: english.either(channelNames) });
  if (!address) throw problem('addressMissing', { prefix, example: exampleAddress(channel) });
  if (channelFacts[channel].address.kind !== 'phone') return { channel, address, used: 1 };
  const { phone, used } = phoneOf([address, ...words.slice(1)], country);
  return { channel, address: phone, used };
}

function surveyTarget(words: readonly string[], country: string): { target: SurveyTarget; used: number } {
  const [who] = words;
  if (!who) throw problem('customerMissing');
  if (objectId.test(who)) return { target: { type: 'customer', customerId: who.toLowerCase() }, used: 1 };
  const pair = channelAddressOf(words, country);
  if (pair) return { target: { type: 'address', channel: pair.channel, address: pair.address }, used: pair.used };
  if (phoneWord.test(who)) {
    const { phone, used } = phoneOf(words, country);
    return { target: { type: 'phone', phone }, used };
  }
  throw problem('targetUnknown', { who, phone: examplePhone, id: '65f1c0ffee0123456789abcd', address: exampleId });
}

/** `location=Main Street staff=Ana lang=es`: each value runs to the next field or the end. */
function linkFieldsOf(text: string): LinkFields {
  const parts = text.split(/(?:^|\s+)(lang|location|staff|product|campaign)=/i);
  const before = parts[0]?.trim();
  if (before) throw problem('noField', { text: before });
  const out: LinkFields = {};
  for (let i = 1; i < parts.length; i += 2) {
    const key = parts[i]!.toLowerCase() as 'lang' | Exclude<keyof LinkFields, 'locale'>;
    const value = cleanText(parts[i + 1] ?? '');
    if (!value) throw problem('fieldEmpty', { key });
    if (key === 'lang') {
      out.locale = localeOf(value);
    } else {
      const max = key === 'campaign' ? 50 : 100;
      if (value.length > max) throw problem('fieldLong', { key, length: String(value.length), max: String(max) });
      out[key] = value;
    }
  }
  return out;
}

const localeOf = (value: string): Locale => {
  if (!isLanguage(value.toLowerCase())) throw problem('languageUnknown', { value, languages: languageCodes().join(', ') });
  return value.toLowerCase() as Locale;
};

const nothingMore = (extra: readonly string[], why: string, values?: Record<string, string>) => {
  if (extra.length) throw new Problem({ key: 'unexpected', values: { extra: extra.join(' ') }, why: { key: why, ...(values ? { values } : {}) } });
};

/**
 * Read a staff command out of a chat message. `none` means the text is not a command (a customer's
 * answer, say) and must go on to the survey dialog unchanged. Pure.
 */
export function parseCommand(raw: string, options: ParseOptions): ParseResult {
  const text = raw.normalize('NFKC').trim();
  const match = /^(\/?)([a-z]+)(?:@\w+)?(?:\s+([\s\S]*))?$/i.exec(text);
  if (!match) return { type: 'none' };
  const [, slash, word = '', rest = ''] = match;
  const name = word.toLowerCase() as CommandName;
  if (!commandNames.includes(name)) return { type: 'none' };
  if (!slash && !options.slashOptional) return { type: 'none' };
  const args = rest.trim() ? rest.trim().split(/\s+/) : [];
  try {
    return { type: 'command', command: readCommand(name, args, rest.trim(), options) };
  } catch (err) {
    if (err instanceof Problem) return { type: 'invalid', name, problem: err.message, usage: usages[name], words: err.words };
    throw err;
  }
}

function readCommand(name: CommandName, args: string[], rest: string, { country }: ParseOptions): Command {
  switch (name) {
    case 'help':
    case 'digest':
    case 'dashboard':
      nothingMore(args, 'nothingAfter', { name });
      return { name };
    case 'language': {
      const [code, ...extra] = args;
      nothingMore(extra, 'oneLanguage');
      return code === undefined ? { name } : { name, locale: localeOf(code) };
    }
    case 'stats': {
      const [period, ...extra] = args;
      if (period === undefined) return { name, days: 30 };
      const m = /^(7|30|90)d?$/i.exec(period);
      if (!m) throw problem('period', { period });
      nothingMore(extra, 'onePeriod');
      return { name, days: Number(m[1]) as StatsPeriod };
    }
    case 'claim': {
      const [code, ...extra] = args;
      if (!code) throw problem('codeMissing');
      nothingMore(extra, 'oneWordCode');
      if (!/^[\w-]{4,64}$/.test(code)) throw problem('codeInvalid', { code });
      return { name, code };
    }
    case 'reply': {
      const [id] = args;
      if (!id) throw problem('replyIdMissing');
      if (!objectId.test(id)) throw problem('replyIdInvalid', { id });
      const reply = cleanText(rest.slice(id.length));
      if (!reply) throw problem('replyTextMissing');
      return { name, surveyId: id.toLowerCase(), text: reply };
    }
    case 'end': {
      const [id, ...extra] = args;
      if (!id) throw problem('endIdMissing');
      if (!objectId.test(id)) throw problem('endIdInvalid', { id });
      nothingMore(extra, 'onlySurveyId');
      return { name, surveyId: id.toLowerCase() };
    }
    case 'staff': {
      const [verb, ...words] = args;
      if (!verb) return { name, action: 'list' };
      const action = verb.toLowerCase();
      if (action !== 'add' && action !== 'remove') throw problem('staffAction', { verb });
      const example = english.either([exampleAddress(phoneChannel), exampleId]);
      if (!words.length) throw problem('identityMissing', { example });
      const who = channelAddressOf(words, country);
      if (!who) throw problem('notIdentity', { word: words[0]!, example });
      if (action === 'remove') {
        nothingMore(words.slice(who.used), 'identityLast');
        return { name, action, channel: who.channel, address: who.address };
      }
      const [role = 'staff', ...extra] = words.slice(who.used);
      if (!['owner', 'staff'].includes(role.toLowerCase())) throw problem('roleUnknown', { role });
      nothingMore(extra, 'roleLast');
      return { name, action, channel: who.channel, address: who.address, role: role.toLowerCase() as 'owner' | 'staff' };
    }
    case 'link': {
      const [kindWord, ...words] = args;
      const kind = kindOf(kindWord);
      const customerId = words[0] && objectId.test(words[0]) ? words.shift()?.toLowerCase() : undefined;
      const context = contextOf(words);
      return { name, kind, ...(customerId ? { customerId } : {}), ...(context ? { context } : {}) };
    }
    case 'qr': {
      const [kindWord, ...words] = args;
      return { name, kind: kindOf(kindWord), ...linkFieldsOf(words.join(' ')) };
    }
    case 'survey': {
      const [kindWord, ...words] = args;
      const kind = kindOf(kindWord);
      const { target, used } = surveyTarget(words, country);
      const context = contextOf(words.slice(used));
      return { name, kind, target, ...(context ? { context } : {}) };
    }
  }
}
