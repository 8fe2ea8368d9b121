import Fastify, { type FastifyInstance } from 'fastify';
import type { Channel, ChannelDeps, ChannelName, Inbound, InboundResult, Outbound } from '../../../src/channels/channel.js';
import { createTeamsChannel, teamsRoutes, type ConversationStore, type TeamsChannelOptions } from '../../../src/channels/teams/index.js';
import { TeamsConversationRepository } from '../../../src/store/teams-conversations.js';
import database from '../../../src/plugins/database.js';
import { testConfig } from '../../helpers/build.js';
import { databaseUri, uniqueDbName } from '../../helpers/database.js';

/**
 * The Teams channel on its own Fastify app with the real test database and a small stand-in for the
 * survey service: it records what arrives, answers duplicates as the service does, and replies as told.
 */
export interface TeamsTestApp {
  app: FastifyInstance;
  channel: Channel;
  conversations: ConversationStore;
  received: Inbound[];
  optOuts: Array<{ channel: ChannelName; address: string; reason: string }>;
  /** What the stand-in service answers to each new inbound message. */
  reply: (inbound: Inbound) => Outbound[];
  close(): Promise<void>;
}

export async function buildTeamsTestApp(
  env: Record<string, string> = { TEAMS_AUTH_DISABLED: 'true' },
  options: TeamsChannelOptions = {},
): Promise<TeamsTestApp> {
  const config = testConfig(env);
  if (!config.teams) throw new Error('the test environment does not enable Teams');
  const app = Fastify({ logger: false });
  await app.register(database, { uri: databaseUri(), dbName: uniqueDbName('teams') });
  const repository = new TeamsConversationRepository(TeamsConversationRepository.model(app.db));
  const conversations: ConversationStore = { save: repository.save.bind(repository, 'default'), find: repository.find.bind(repository, 'default') };
  const seen = new Set<string>();
  const state: TeamsTestApp = {
    app,
    conversations,
    received: [],
    optOuts: [],
    reply: () => [],
    channel: undefined as unknown as Channel,
    close: async () => {
      await app.db.dropDatabase().catch(() => {});
      await app.close();
    },
  };
  const deps: ChannelDeps = {
    async handleInbound(inbound): Promise<InboundResult> {
      const key = `${inbound.channel}:${inbound.providerMessageId}`;
      if (seen.has(key)) return { duplicate: true, replies: [] };
      seen.add(key);
      state.received.push(inbound);
      return { duplicate: false, replies: state.reply(inbound) };
    },
    async recordDelivery() {},
    async recordOptOut(channel, address, reason) {
      state.optOuts.push({ channel, address, reason });
    },
    async recordOptIn() {},
    async queueReplies() {
      throw new Error('this harness has no outbox: only the WhatsApp webhook queues replies');
    },
    async startWebSurvey() {
      return { status: 'sent' };
    },
    async webQuestion() {
      return [];
    },
    async identifyWebVisitor() {
      return { status: 'identified' as const };
    },
    log: app.log,
    now: () => new Date(),
  };
  const channel = createTeamsChannel(config.teams, { conversations, log: app.log, now: deps.now, product: deps }, options);
  state.channel = channel;
  await teamsRoutes.register(app, async () => channel);
  await app.ready();
  return state;
}
