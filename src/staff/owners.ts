import type { FastifyBaseLogger } from 'fastify';
import type { Channel, ChannelName, Inbound, InboundResult } from '../channels/channel.js';
import { DetractorAlerts, type AlertSurvey } from '../alerts/detractor-alerts.js';
import type { Config } from '../config.js';
import { DigestScheduler } from '../digest/digest-scheduler.js';
import type { DialogEvent } from '../dialogs/types.js';
import type { Store } from '../store/index.js';
import { normalizeAddress } from '../surveys/addresses.js';
import type { Outbox } from '../surveys/outbox.js';
import type { BusinessSettings, SurveyService } from '../surveys/survey-service.js';
import { CommandRouter } from './command-router.js';
import { StaffCommands } from './commands.js';
import { StaffService } from './staff-service.js';

export interface OwnersDeps {
  config: Config;
  store: Store;
  business: BusinessSettings;
  outbox: Outbox;
  channels: ReadonlyMap<ChannelName, Channel>;
  /** Lazy: the survey service is built after the hooks it is given. */
  surveys: () => SurveyService;
  now: () => Date;
  log: FastifyBaseLogger;
}

/** The owner's side of the product: staff identities, commands, alerts and the weekly digest. */
export class Owners {
  readonly staff: StaffService;
  readonly digests: DigestScheduler;
  private readonly router: CommandRouter;
  private readonly alerts: DetractorAlerts;

  constructor(private readonly deps: OwnersDeps) {
    const { config, store, business, outbox, now, log } = deps;
    this.staff = new StaffService(store, business.id);
    this.digests = new DigestScheduler(store, business, this.staff, outbox, config.owners.digestSchedule, `${config.publicUrl}/dashboard`, now, log);
    const commands = new StaffCommands({
      ...deps,
      staff: this.staff,
      digestText: (channel) => this.digests.text(this.digests.lastWeek(now()), channel),
    });
    this.router = new CommandRouter(store, business, this.staff, commands, deps.surveys, log);
    this.alerts = new DetractorAlerts(this.staff, outbox, now, log);
  }

  /** The server clock (tests move it). */
  now = (): Date => this.deps.now();

  /** What channels call: staff commands here, everything else to the survey dialog. */
  handleInbound = (inbound: Inbound): Promise<InboundResult> => this.router.handleInbound(inbound);

  /** SurveyService's events hook. */
  onEvents = (survey: AlertSurvey, events: DialogEvent[]): Promise<void> => this.alerts.onEvents(survey, events);

  /** The sweeper's hook: weekly digests due or waiting for a retry. */
  sweep = (): Promise<number> => this.digests.sweep();

  /** Owners from OWNER_ADDRESSES; with none at all, a one-time claim code in the log. */
  async start(): Promise<void> {
    const { config, business, log } = this.deps;
    for (const { channel, address } of config.owners.addresses) {
      await this.staff.add({ channel, address: normalizeAddress(channel, address, business.country) }, 'owner');
    }
    const code = await this.staff.issueClaimCode();
    if (code) log.warn(`No owner yet. Send "/claim ${code}" to the bot from your phone or chat app to become the owner.`);
  }
}
