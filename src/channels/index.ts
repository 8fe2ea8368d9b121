import type { Config } from '../config.js';
import type { Channel, ChannelDeps, ChannelName } from './channel.js';
import { createTelegramChannel } from './telegram/index.js';
import { createSmsChannel } from './sms/index.js';
import { createConversationStore, createTeamsChannel } from './teams/index.js';
import { createWebChannel, type WebChannelDeps } from './web/index.js';

export type ChannelFactoryDeps = ChannelDeps & WebChannelDeps & { now?: () => Date };

/** The channels this configuration enables; a channel is on when its settings are present. */
export function createChannels(config: Config, deps: ChannelFactoryDeps): Map<ChannelName, Channel> {
  const channels = new Map<ChannelName, Channel>();
  const add = (channel: Channel) => channels.set(channel.name, channel);
  if (config.web.enabled) add(createWebChannel(deps));
  if (config.telegram) {
    // Tests post updates themselves; everywhere else the webhook is registered with Telegram on listen.
    add(createTelegramChannel({ ...config.telegram, publicUrl: config.publicUrl, setWebhook: config.nodeEnv !== 'test' }, deps));
  }
  if (config.twilio) add(createSmsChannel({ ...config.twilio, publicUrl: config.publicUrl, defaultCountry: config.business.country }, deps));
  if (config.teams) add(createTeamsChannel(config.teams, { ...deps, conversations: createConversationStore(deps.db) }));
  return channels;
}
