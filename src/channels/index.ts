import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { ChannelName } from '../domain/channels.js';
import type { Store } from '../store/index.js';
import type { Channel } from './channel.js';
import { createSmsChannel } from './sms/index.js';
import { createTelegramChannel } from './telegram/index.js';
import { createWebChannel } from './web/index.js';

export interface ChannelFactoryDeps {
  log: FastifyBaseLogger;
  now: () => Date;
  store: Pick<Store, 'webTranscripts' | 'teamsConversations'>;
}

/**
 * The channels this configuration enables; a channel is on when its settings are present. The Teams
 * adapter is loaded only then: the Bot Framework SDK alone adds about 45 MB to the process.
 */
export async function createChannels(config: Config, deps: ChannelFactoryDeps): Promise<Map<ChannelName, Channel>> {
  const channels = new Map<ChannelName, Channel>();
  const add = (channel: Channel) => channels.set(channel.name, channel);
  if (config.web.enabled) add(createWebChannel({ transcripts: deps.store.webTranscripts, now: deps.now }));
  if (config.telegram) {
    // Tests post updates themselves; everywhere else the webhook is registered with Telegram on listen.
    add(createTelegramChannel({ ...config.telegram, publicUrl: config.publicUrl, setWebhook: config.nodeEnv !== 'test' }, { log: deps.log }));
  }
  if (config.twilio) add(createSmsChannel({ ...config.twilio, publicUrl: config.publicUrl, defaultCountry: config.business.country }, { log: deps.log }));
  if (config.teams) {
    const { createTeamsChannel } = await import('./teams/index.js');
    add(createTeamsChannel(config.teams, { log: deps.log, now: deps.now, conversations: deps.store.teamsConversations }));
  }
  return channels;
}
