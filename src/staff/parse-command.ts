import { channelFacts, exampleAddress, phoneChannel } from '../domain/channel-facts.js';
import { channelNames, type ChannelName } from '../domain/channels.js';
import { surveyKinds, type Locale, type SurveyKind } from '../domain/surveys.js';
import { normalizePhone } from '../domain/phone.js';
import { cleanText } from '../domain/text.js';
import { isLanguage, languageCodes } from '../dialogs/languages.js';

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
  /** `problem` names the bad part and how to fix it; `usageReply` puts it before the usage line. */
  | { type: 'invalid'; name: CommandName; problem: string; usage: string };

export const usages: Record<CommandName, string> = {
  survey: '/survey nps|csat|ces <phone | customer id | channel:address> [context]',
  link: '/link nps|csat|ces [customer id] [context]',
  qr: '/qr nps|csat|ces [lang=<language code>] [location=…] [staff=…] [product=…] [campaign=…]',
  stats: '/stats [7d|30d|90d]',
  digest: '/digest',
  dashboard: '/dashboard',
  reply: '/reply <survey id> <text>',
  end: '/end <survey id>',
  help: '/help',
  claim: '/claim <code>',
  staff: '/staff | /staff add <channel>:<address> [owner|staff] | /staff remove <channel>:<address>',
};

/** What a staff member reads when a command cannot run: what is wrong and how to fix it, then the usage line. */
export function usageReply(name: CommandName, problem: string): string {
  return `${problem}\nUsage: ${usages[name]}`;
}

const commandNames = Object.keys(usages) as CommandName[];
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
class Problem extends Error {}

const kindOf = (word: string | undefined): SurveyKind => {
  if (!word) throw new Problem('the survey kind is missing: use nps, csat or ces');
  const kind = word.toLowerCase() as SurveyKind;
  if (!surveyKinds.includes(kind)) throw new Problem(`unknown survey kind "${word}": use nps, csat or ces`);
  return kind;
};

const contextOf = (words: readonly string[]): string | undefined => {
  const about = cleanText(words.join(' '));
  if (about.length > maxContext) throw new Problem(`the context is ${about.length} characters long: keep it to ${maxContext}`);
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
  throw new Problem(`"${words.slice(0, Math.max(run, 1)).join(' ')}" is not a phone number: write it in international format such as ${examplePhone}`);
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
  if (!channelNames.includes(channel)) throw new Problem(`unknown channel "${prefix}": use ${channelNames.slice(0, -1).join(', ')} or ${channelNames.at(-1)}`);
  if (!address) throw new Problem(`the address after "${prefix}:" is missing: write e.g. ${exampleAddress(channel)}`);
  if (channelFacts[channel].address.kind !== 'phone') return { channel, address, used: 1 };
  const { phone, used } = phoneOf([address, ...words.slice(1)], country);
  return { channel, address: phone, used };
}

function surveyTarget(words: readonly string[], country: string): { target: SurveyTarget; used: number } {
  const [who] = words;
  if (!who) throw new Problem('the customer is missing: write a phone number, a customer id or channel:address');
  if (objectId.test(who)) return { target: { type: 'customer', customerId: who.toLowerCase() }, used: 1 };
  const pair = channelAddressOf(words, country);
  if (pair) return { target: { type: 'address', channel: pair.channel, address: pair.address }, used: pair.used };
  if (phoneWord.test(who)) {
    const { phone, used } = phoneOf(words, country);
    return { target: { type: 'phone', phone }, used };
  }
  throw new Problem(`"${who}" is not a phone number, customer id or channel:address: write e.g. ${examplePhone}, 65f1c0ffee0123456789abcd or ${exampleId}`);
}

/** `location=Main Street staff=Ana lang=es`: each value runs to the next field or the end. */
function linkFieldsOf(text: string): LinkFields {
  const parts = text.split(/(?:^|\s+)(lang|location|staff|product|campaign)=/i);
  const before = parts[0]?.trim();
  if (before) throw new Problem(`"${before}" names no field: write e.g. location=Main Street staff=Ana`);
  const out: LinkFields = {};
  for (let i = 1; i < parts.length; i += 2) {
    const key = parts[i]!.toLowerCase() as 'lang' | Exclude<keyof LinkFields, 'locale'>;
    const value = cleanText(parts[i + 1] ?? '');
    if (!value) throw new Problem(`${key}= has no value`);
    if (key === 'lang') {
      if (!isLanguage(value.toLowerCase())) throw new Problem(`unknown language "${value}": use ${languageCodes().join(', ')}`);
      out.locale = value.toLowerCase();
    } else {
      const max = key === 'campaign' ? 50 : 100;
      if (value.length > max) throw new Problem(`${key} is ${value.length} characters long: keep it to ${max}`);
      out[key] = value;
    }
  }
  return out;
}

const nothingMore = (extra: readonly string[], why: string) => {
  if (extra.length) throw new Problem(`unexpected "${extra.join(' ')}": ${why}`);
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
    if (err instanceof Problem) return { type: 'invalid', name, problem: err.message, usage: usages[name] };
    throw err;
  }
}

function readCommand(name: CommandName, args: string[], rest: string, { country }: ParseOptions): Command {
  switch (name) {
    case 'help':
    case 'digest':
    case 'dashboard':
      nothingMore(args, `/${name} takes nothing after it`);
      return { name };
    case 'stats': {
      const [period, ...extra] = args;
      if (period === undefined) return { name, days: 30 };
      const m = /^(7|30|90)d?$/i.exec(period);
      if (!m) throw new Problem(`"${period}" is not a period: use 7d, 30d or 90d`);
      nothingMore(extra, '/stats takes one period');
      return { name, days: Number(m[1]) as StatsPeriod };
    }
    case 'claim': {
      const [code, ...extra] = args;
      if (!code) throw new Problem('the code is missing: write the one-time code from the server log');
      nothingMore(extra, 'the code is one word');
      if (!/^[\w-]{4,64}$/.test(code)) throw new Problem(`"${code}" is not a claim code: copy the one-time code from the server log`);
      return { name, code };
    }
    case 'reply': {
      const [id] = args;
      if (!id) throw new Problem('the survey id is missing: copy it from the alert');
      if (!objectId.test(id)) throw new Problem(`"${id}" is not a survey id: copy the 24-character id from the alert`);
      const reply = cleanText(rest.slice(id.length));
      if (!reply) throw new Problem('the reply text is missing: write it after the survey id');
      return { name, surveyId: id.toLowerCase(), text: reply };
    }
    case 'end': {
      const [id, ...extra] = args;
      if (!id) throw new Problem('the survey id is missing: copy it from the forwarded answer');
      if (!objectId.test(id)) throw new Problem(`"${id}" is not a survey id: copy the 24-character id from the forwarded answer`);
      nothingMore(extra, '/end takes only the survey id');
      return { name, surveyId: id.toLowerCase() };
    }
    case 'staff': {
      const [verb, ...words] = args;
      if (!verb) return { name, action: 'list' };
      const action = verb.toLowerCase();
      if (action !== 'add' && action !== 'remove') throw new Problem(`unknown action "${verb}": use /staff, /staff add or /staff remove`);
      const example = `${exampleAddress(phoneChannel)} or ${exampleId}`;
      if (!words.length) throw new Problem(`the identity is missing: write channel:address, e.g. ${example}`);
      const who = channelAddressOf(words, country);
      if (!who) throw new Problem(`"${words[0]}" is not channel:address: write e.g. ${example}`);
      if (action === 'remove') {
        nothingMore(words.slice(who.used), 'the identity is the last word');
        return { name, action, channel: who.channel, address: who.address };
      }
      const [role = 'staff', ...extra] = words.slice(who.used);
      if (!['owner', 'staff'].includes(role.toLowerCase())) throw new Problem(`unknown role "${role}": use owner or staff`);
      nothingMore(extra, 'the role is the last word');
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
