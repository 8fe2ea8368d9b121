export { createTeamsChannel, type TeamsChannelDeps, type TeamsChannelOptions } from './teams-channel.js';
export { createConversationStore, type ConversationStore } from './conversation-store.js';
export type { TeamsConfig, TokenValidation } from './adapter.js';
