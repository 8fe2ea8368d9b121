import type { FastifyBaseLogger } from 'fastify';
import type { DetractorAlerts } from '../alerts/detractor-alerts.js';
import { DigestScheduler, type DigestSchedule } from '../digest/digest-scheduler.js';
import type { ChannelName, ChannelSender } from '../domain/channels.js';
import { InboundPipeline } from '../inbound/pipeline.js';
import { StaffCommands } from '../staff/commands.js';
import { ReplyThreads } from '../staff/reply-threads.js';
import { StaffService } from '../staff/staff-service.js';
import type { BusinessSettings, Store } from '../store/index.js';
import type { Conversations } from '../surveys/conversations.js';
import { DeepLinks } from '../surveys/deep-links.js';
import type { Outbox } from '../surveys/outbox.js';
import { SurveyStarter } from '../surveys/start-survey.js';

/** The dashboard's sign-in links, as a staff member's `/dashboard` asks for one. */
export interface DashboardLinks {
  link(businessId: string, staffId: string): Promise<string>;
}

/** What every business shares: the store, the dialog engine, the outbox, the owner alerts. */
export interface SharedServices {
  store: Store;
  conversations: Conversations;
  outbox: Outbox;
  alerts: DetractorAlerts;
  dashboard: DashboardLinks;
  /** The deployment's digest time, for a business that has none of its own. */
  digestSchedule: DigestSchedule;
  publicUrl: string;
  now: () => Date;
  log: FastifyBaseLogger;
}

/**
 * One business's services: its settings, its own channel senders, and everything that speaks for
 * it (starting surveys, deep links, staff, commands, the digest, the inbound pipeline). Each is
 * built with the business it serves, so no call can reach another business's data.
 */
export interface ServedBusiness {
  settings: BusinessSettings;
  channels: ReadonlyMap<ChannelName, ChannelSender>;
  surveys: SurveyStarter;
  links: DeepLinks;
  staff: StaffService;
  commands: StaffCommands;
  digests: DigestScheduler;
  pipeline: InboundPipeline;
}

export function serveBusiness(settings: BusinessSettings, channels: ReadonlyMap<ChannelName, ChannelSender>, shared: SharedServices): ServedBusiness {
  const { store, conversations, outbox, alerts, now, log } = shared;
  const surveys = new SurveyStarter(store, settings, outbox, now, channels);
  const links = new DeepLinks(store, settings, surveys, conversations, now);
  const staff = new StaffService(store, settings.id, now);
  const digests = new DigestScheduler(store, settings, staff, outbox, settings.digestSchedule ?? shared.digestSchedule, `${shared.publicUrl}/dashboard`, now, log);
  const threads = new ReplyThreads(store, settings, outbox, now);
  const commands = new StaffCommands({
    store,
    business: settings,
    staff,
    starter: surveys,
    links,
    outbox,
    threads,
    channels,
    digest: (channel, locale) => digests.message(digests.lastWeek(now()), channel, locale),
    dashboardLink: (member) => shared.dashboard.link(settings.id, member.staffId),
    publicUrl: shared.publicUrl,
    now,
    log,
  });
  const pipeline = new InboundPipeline({ store, business: settings, conversations, links, staff, commands, threads, outbox, alerts, log, now });
  return { settings, channels, surveys, links, staff, commands, digests, pipeline };
}
