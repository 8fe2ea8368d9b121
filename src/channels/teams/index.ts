export { teamsRoutes } from './routes.js';
export { createTeamsChannel, type ConversationStore, type TeamsChannelDeps, type TeamsChannelOptions } from './teams-channel.js';
export type { TeamsConfig, TokenValidation } from './adapter.js';
