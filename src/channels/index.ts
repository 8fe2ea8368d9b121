import type { FastifyBaseLogger } from 'fastify';
import type { ChannelSettings } from '../businesses/settings.js';
import type { ChannelName } from '../domain/channels.js';
import type { Locale } from '../domain/surveys.js';
import { mediaPath, type Store } from '../store/index.js';
import type { Channel, ChannelDeps, ChannelRoutes } from './channel.js';
import type { SlotClaims, SlotLoss } from './shared-send-queue.js';
import { createSmsChannel, smsRoutes } from './sms/index.js';
import { createWebChannel, webRoutes } from './web/index.js';
import { createWhatsappChannel, whatsappRoutes } from './whatsapp/index.js';

export interface ChannelFactoryDeps {
  /** The business whose channels these are: what they store is kept under its id. */
  businessId: string;
  log: FastifyBaseLogger;
  now: () => Date;
  store: Pick<Store, 'webTranscripts' | 'webSessions' | 'answerLimits' | 'teamsConversations' | 'sendSlots' | 'chatWindows' | 'media'>;
  /** What the product gives the business's channels: its inbound pipeline, opt-outs, delivery reports. */
  product: ChannelDeps;
  /** Told of each send slot a channel's sender held and gave up unused, and why (the metrics count them). */
  slotsGivenUp?: (channel: ChannelName, reason: SlotLoss) => void;
}

/** Where one business's channels live: the server's public URL, and the path its routes sit under. */
export interface ChannelPlace {
  publicUrl: string;
  /** `/b/<id>`: where the business's webhooks and web chat are. */
  basePath: string;
  /** Country for phone numbers written without a country code. */
  country: string;
  /** The business's time zone: the web chat's daily answer limits count its local days. */
  timeZone: string;
  /** Websites that may show the business's survey widget. */
  widgetOrigins: readonly string[];
  /** The business's language: the words of its web chat page. */
  locale: Locale;
  /** Tell Telegram where the webhook is now (at start, and when this instance created or changed the business). */
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
  const claim = deps.store.sendSlots.claim.bind(deps.store.sendSlots);
  const slotsOf = (channel: ChannelName): SlotClaims => ({ claim, givenUp: (_sender, reason) => deps.slotsGivenUp?.(channel, reason) });
  if (settings.web.enabled) {
    const { webTranscripts, webSessions, answerLimits } = deps.store;
    const id = deps.businessId;
    const transcripts = { append: webTranscripts.append.bind(webTranscripts, id), list: webTranscripts.list.bind(webTranscripts, id) };
    const sessions = { open: webSessions.open.bind(webSessions, id), get: webSessions.get.bind(webSessions, id), claim: webSessions.claim.bind(webSessions, id), steal: webSessions.steal.bind(webSessions, id), ready: webSessions.ready.bind(webSessions, id), unclaim: webSessions.unclaim.bind(webSessions, id) };
    const { visitorsPerHour, answersPerDevice, answersPerNetwork } = settings.web;
    add(createWebChannel({ businessId: id, timeZone: place.timeZone, transcripts, sessions, counts: answerLimits, now: deps.now, visitorsPerHour, answersPerDevice, answersPerNetwork, widgetOrigins: place.widgetOrigins, locale: place.locale, product: deps.product }));
  }
  if (settings.telegram) {
    const { createTelegramChannel } = await import('./telegram/index.js');
    add(createTelegramChannel({ ...settings.telegram, publicUrl: place.publicUrl, basePath: place.basePath, setWebhook: place.setWebhook }, { log: deps.log, product: deps.product }, { slots: slotsOf('telegram') }));
  }
  if (settings.twilio) add(createSmsChannel({ ...settings.twilio, publicUrl: place.publicUrl, basePath: place.basePath, defaultCountry: place.country }, { log: deps.log, product: deps.product }, { slots: slotsOf('sms') }));
  if (settings.whatsapp) {
    const { chatWindows } = deps.store;
    const windows = { wrote: (address: string, at: Date) => chatWindows.wrote(deps.businessId, 'whatsapp', address, at), lastInbound: (address: string) => chatWindows.lastInbound(deps.businessId, 'whatsapp', address) };
    // A picture goes by URL: kept behind an unguessable token until it expires, served at /media/<token>.png.
    const pictures = { publish: async (png: Buffer, expiresAt: Date) => `${place.publicUrl.replace(/\/+$/, '')}${mediaPath}/${await deps.store.media.put(png, 'image/png', expiresAt)}.png` };
    add(createWhatsappChannel({ ...settings.whatsapp, publicUrl: place.publicUrl, basePath: place.basePath, defaultCountry: place.country }, { log: deps.log, now: deps.now, windows, pictures, product: deps.product }, { slots: slotsOf('whatsapp') }));
  }
  if (settings.teams) {
    const { createTeamsChannel } = await import('./teams/index.js');
    const teams = deps.store.teamsConversations;
    add(createTeamsChannel(settings.teams, { log: deps.log, now: deps.now, product: deps.product, conversations: { save: teams.save.bind(teams, deps.businessId), find: teams.find.bind(teams, deps.businessId) } }));
  }
  return channels;
}

/**
 * Every channel kind's routes, added once at start. Telegram's and Teams' are loaded only when a
 * business has that channel; since any business may get one while the server runs, the routes of
 * all five are always there (the SDKs themselves are loaded with a business's first such channel).
 */
export async function channelRoutes(publicUrl: string): Promise<ChannelRoutes[]> {
  const { telegramRoutes } = await import('./telegram/routes.js');
  const { teamsRoutes } = await import('./teams/routes.js');
  return [webRoutes, smsRoutes({ publicUrl }), whatsappRoutes({ publicUrl }), telegramRoutes, teamsRoutes];
}
