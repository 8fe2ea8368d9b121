import { channelNames, type ChannelName } from '../channels/channel.js';
import { surveyKinds, type SurveyKind } from '../dialogs/types.js';

/** Who a `/survey` goes to: a phone number (SMS), a stored customer, or an explicit channel address. */
export type SurveyTarget =
  | { type: 'phone'; phone: string }
  | { type: 'customer'; customerId: string }
  | { type: 'address'; channel: ChannelName; address: string };

export type StatsPeriod = 7 | 30 | 90;

export type Command =
  | { name: 'survey'; kind: SurveyKind; target: SurveyTarget; context?: string }
  | { name: 'link'; kind: SurveyKind; customerId?: string; context?: string }
  | { name: 'stats'; days: StatsPeriod }
  | { name: 'digest' }
  | { name: 'reply'; surveyId: string; text: string }
  | { name: 'help' }
  | { name: 'claim'; code: string }
  | { name: 'staff'; channel: ChannelName; address: string; role: 'owner' | 'staff' };

export type CommandName = Command['name'];

export type ParseResult =
  | { type: 'none' }
  | { type: 'command'; command: Command }
  | { type: 'invalid'; name: CommandName; usage: string };

export const usages: Record<CommandName, string> = {
  survey: '/survey nps|csat|ces <phone | customer id | channel:address> [context]',
  link: '/link nps|csat|ces [customer id] [context]',
  stats: '/stats [7d|30d|90d]',
  digest: '/digest',
  reply: '/reply <survey id> <text>',
  help: '/help',
  claim: '/claim <code>',
  staff: '/staff add <channel>:<address> [owner|staff]',
};

const commandNames = Object.keys(usages) as CommandName[];
const objectId = /^[a-f0-9]{24}$/i;
const phone = /^\+?\d[\d().-]{5,}\d$/;

export interface ParseOptions {
  /** SMS and Teams users may leave out the leading slash. */
  slashOptional: boolean;
}

/** Split off a channel:address pair, or undefined when the text is not one. */
function channelAddress(token: string): { channel: ChannelName; address: string } | undefined {
  const i = token.indexOf(':');
  if (i < 1) return undefined;
  const channel = token.slice(0, i).toLowerCase();
  const address = token.slice(i + 1);
  if (!(channelNames as readonly string[]).includes(channel) || !address) return undefined;
  return { channel: channel as ChannelName, address };
}

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
  const invalid: ParseResult = { type: 'invalid', name, usage: usages[name] };
  const ok = (command: Command): ParseResult => ({ type: 'command', command });

  switch (name) {
    case 'help':
    case 'digest':
      return args.length === 0 ? ok({ name }) : invalid;
    case 'stats': {
      if (args.length === 0) return ok({ name, days: 30 });
      const m = args.length === 1 ? /^(7|30|90)d?$/i.exec(args[0] ?? '') : null;
      return m ? ok({ name, days: Number(m[1]) as StatsPeriod }) : invalid;
    }
    case 'claim':
      return args.length === 1 && /^[\w-]{4,64}$/.test(args[0] ?? '') ? ok({ name, code: args[0] ?? '' }) : invalid;
    case 'reply': {
      const [id, ...words] = args;
      return id && objectId.test(id) && words.length ? ok({ name, surveyId: id.toLowerCase(), text: rest.trim().slice(id.length).trim() }) : invalid;
    }
    case 'staff': {
      const [verb, who, role = 'staff', ...extra] = args;
      const target = who ? channelAddress(who) : undefined;
      if (verb?.toLowerCase() !== 'add' || !target || extra.length || !['owner', 'staff'].includes(role.toLowerCase())) return invalid;
      return ok({ name, ...target, role: role.toLowerCase() as 'owner' | 'staff' });
    }
    case 'link': {
      const [kindWord, ...rest] = args;
      const kind = kindWord?.toLowerCase() as SurveyKind | undefined;
      const customerId = rest[0] && objectId.test(rest[0]) ? rest.shift()?.toLowerCase() : undefined;
      const about = rest.join(' ');
      if (!kind || !surveyKinds.includes(kind) || about.length > 200) return invalid;
      return ok({ name, kind, ...(customerId ? { customerId } : {}), ...(about ? { context: about } : {}) });
    }
    case 'survey': {
      const [kindWord, who, ...context] = args;
      const kind = kindWord?.toLowerCase() as SurveyKind | undefined;
      if (!kind || !surveyKinds.includes(kind) || !who) return invalid;
      const target: SurveyTarget | undefined = objectId.test(who)
        ? { type: 'customer', customerId: who.toLowerCase() }
        : phone.test(who)
          ? { type: 'phone', phone: who }
          : (() => {
              const pair = channelAddress(who);
              return pair ? { type: 'address' as const, ...pair } : undefined;
            })();
      if (!target) return invalid;
      const about = context.join(' ');
      if (about.length > 200) return invalid;
      return ok({ name, kind, target, ...(about ? { context: about } : {}) });
    }
  }
}
