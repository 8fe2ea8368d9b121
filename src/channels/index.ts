import type { Config } from '../config.js';
import type { Channel, ChannelDeps, ChannelName } from './channel.js';
import { createWebChannel, type WebChannelDeps } from './web/index.js';

export type ChannelFactoryDeps = ChannelDeps & WebChannelDeps;

/** The channels this configuration enables; a channel is on when its settings are present. */
export function createChannels(config: Config, deps: ChannelFactoryDeps): Map<ChannelName, Channel> {
  const channels = new Map<ChannelName, Channel>();
  const add = (channel: Channel) => channels.set(channel.name, channel);
  if (config.web.enabled) add(createWebChannel(deps));
  return channels;
}
