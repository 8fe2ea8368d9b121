import type { FastifyBaseLogger } from 'fastify';
import type { ChannelSettings } from '../businesses/settings.js';
import type { ChannelName } from '../domain/channels.js';
import type { Store } from '../store/index.js';
import type { Channel } from './channel.js';
import { createSmsChannel } from './sms/index.js';
import { createWebChannel } from './web/index.js';

export interface ChannelFactoryDeps {
  /** The business whose channels these are: what they store is kept under its id. */
  businessId: string;
  log: FastifyBaseLogger;
  now: () => Date;
  store: Pick<Store, 'webTranscripts' | 'teamsConversations' | 'sendSlots'>;
}

/** Where one business's channels live: the server's public URL, and the path its routes sit under. */
export interface ChannelPlace {
  publicUrl: string;
  /** `/b/<id>` ('' for the environment's business). */
  basePath: string;
  /** Country for phone numbers written without a country code. */
  country: string;
  /** Register the Telegram webhook with Telegram once the server listens (off in tests). */
  setWebhook: boolean;
}

/**
 * The channels these settings enable; a channel is on when its settings are present. The Telegram
 * and Teams adapters are loaded only then (their SDKs, telegraf and the Bot Framework SDK, the
 * latter alone about 45 MB of the process), so a business without them never loads them.
 */
export async function createChannels(settings: ChannelSettings, place: ChannelPlace, deps: ChannelFactoryDeps): Promise<Map<ChannelName, Channel>> {
  const channels = new Map<ChannelName, Channel>();
  const add = (channel: Channel) => channels.set(channel.name, channel);
  // A provider's limit per sender holds for the deployment: every instance claims its send slots here.
  const slots = { claim: deps.store.sendSlots.claim.bind(deps.store.sendSlots) };
  if (settings.web.enabled) {
    const { webTranscripts } = deps.store;
    const transcripts = { append: webTranscripts.append.bind(webTranscripts, deps.businessId), list: webTranscripts.list.bind(webTranscripts, deps.businessId) };
    add(createWebChannel({ transcripts, now: deps.now, visitorsPerHour: settings.web.visitorsPerHour }));
  }
  if (settings.telegram) {
    const { createTelegramChannel } = await import('./telegram/index.js');
    add(createTelegramChannel({ ...settings.telegram, publicUrl: place.publicUrl, basePath: place.basePath, setWebhook: place.setWebhook }, { log: deps.log }, { slots }));
  }
  if (settings.twilio) add(createSmsChannel({ ...settings.twilio, publicUrl: place.publicUrl, basePath: place.basePath, defaultCountry: place.country }, { log: deps.log }, { slots }));
  if (settings.teams) {
    const { createTeamsChannel } = await import('./teams/index.js');
    const teams = deps.store.teamsConversations;
    add(createTeamsChannel(settings.teams, { log: deps.log, now: deps.now, conversations: { save: teams.save.bind(teams, deps.businessId), find: teams.find.bind(teams, deps.businessId) } }));
  }
  return channels;
}
