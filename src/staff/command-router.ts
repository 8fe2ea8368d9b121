import type { FastifyBaseLogger } from 'fastify';
import type { Inbound, InboundResult } from '../channels/channel.js';
import { keywordReply } from '../dialogs/index.js';
import type { Locale } from '../dialogs/types.js';
import { recordInbound, type Store } from '../store/index.js';
import type { BusinessSettings, SurveyService } from '../surveys/survey-service.js';
import type { StaffCommands } from './commands.js';
import { parseCommand, usageReply } from './parse-command.js';
import type { StaffService } from './staff-service.js';

/**
 * Sits in front of `SurveyService.handleInbound`: a staff member's command is answered here; every
 * other message (a customer's answers, STOP, HELP) goes to the survey dialog exactly as before.
 */
export class CommandRouter {
  constructor(
    private readonly store: Store,
    private readonly business: BusinessSettings,
    private readonly staff: StaffService,
    private readonly commands: StaffCommands,
    private readonly surveys: () => SurveyService,
    private readonly log: FastifyBaseLogger,
  ) {}

  async handleInbound(inbound: Inbound): Promise<InboundResult> {
    // A tapped "/reply …" button comes back as a choice.
    const text = inbound.text ?? (inbound.choice?.startsWith('/') ? inbound.choice : undefined);
    const parsed = text === undefined ? ({ type: 'none' } as const) : parseCommand(text, { slashOptional: inbound.channel === 'sms' || inbound.channel === 'teams', country: this.business.country });
    if (parsed.type === 'none') return this.surveys().handleInbound(inbound);

    const slashed = text?.trim().startsWith('/') ?? false;
    const member = await this.staff.identify(inbound.channel, inbound.address);
    const claiming = parsed.type === 'command' && parsed.command.name === 'claim';
    // A customer's bare "help" or "/help" is the survey's HELP keyword; their other words are answers.
    if (!member && !claiming && (!slashed || (parsed.type === 'command' && parsed.command.name === 'help'))) {
      return this.surveys().handleInbound(inbound);
    }
    // The same de-duplication as survey answers: a provider's retry never runs a command twice.
    if (!(await recordInbound(this.store, inbound))) return { duplicate: true, replies: [] };

    if (!member) {
      if (parsed.type === 'command' && parsed.command.name === 'claim') {
        const ok = await this.staff.claim({ channel: inbound.channel, address: inbound.address }, parsed.command.code, inbound.displayName);
        this.log.info({ channel: inbound.channel, address: inbound.address, ok }, 'owner claim attempted');
        return { duplicate: false, replies: [{ text: ok ? `You are now the owner of ${this.business.name}. Send /help for the commands.` : 'That code is not valid or was already used.' }] };
      }
      const customer = await this.store.customers.findOne({ businessId: this.business.id, channel: inbound.channel, address: inbound.address }, { locale: 1 }).lean();
      const locale = (customer?.locale ?? this.business.locale) as Locale;
      return { duplicate: false, replies: [keywordReply('help', locale, { business: this.business.name })] };
    }
    if (parsed.type === 'invalid') return { duplicate: false, replies: [{ text: usageReply(parsed.name, parsed.problem) }] };
    this.log.info({ channel: inbound.channel, address: inbound.address, command: parsed.command.name }, 'staff command');
    return { duplicate: false, replies: [{ text: await this.commands.run(parsed.command, member, inbound) }] };
  }
}
