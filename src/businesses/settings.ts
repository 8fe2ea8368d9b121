import { z } from 'zod';
import { digestSchedule, sendWindow, timeZone, websiteOrigins } from '../domain/business-fields.js';
import type { ChannelName } from '../domain/channels.js';
import { freeText } from '../domain/text.js';
import type { SecretBox } from '../security/secret-box.js';
import { reasonQuestionInput } from './reason-question.js';
import { channelIdentitiesInput, type ChannelIdentities, type teamsAppTypes, type WhatsappTemplate } from './identities.js';
import type { BusinessSettings } from '../store/index.js';
import { localeSchema } from '../dialogs/languages.js';

/** Business ids appear in URLs (`/b/<id>/…`) and in Telegram deep links: 1-32 of A-Z a-z 0-9 _. */
export const businessIdSchema = z.string().regex(/^[A-Za-z0-9_]{1,32}$/, '1-32 letters, digits or _');

export { channelIdentitiesInput, storedIdentities, type ChannelIdentities } from './identities.js';

/** Where a business's webhooks and web chat live. */
export function basePathOf(id: string): string {
  return `/b/${id}`;
}

/** A business as the API and the CLI create or change it. */
export const businessInput = z.strictObject({
  id: businessIdSchema,
  name: freeText(100),
  timeZone: timeZone.default('UTC'),
  locale: localeSchema.default('en'),
  country: z.string().regex(/^[A-Z]{2}$/, 'a two-letter country code such as US').default('US'),
  sendWindow: sendWindow.prefault('09:00-20:00'),
  throttleDays: z.number().int().min(0).max(365).default(30),
  digestSchedule: digestSchedule.optional(),
  channels: channelIdentitiesInput.default({}),
  reasonQuestion: reasonQuestionInput.optional(),
  /** Websites that may show the survey widget (https origins). */
  widgetOrigins: websiteOrigins.optional(),
});
export type BusinessInput = z.input<typeof businessInput>;

/** A change: only the fields given; `channels` replaces the business's own identities (tokens, secrets, numbers). */
export const businessPatch = businessInput.omit({ id: true }).partial().extend({
  timeZone,
  locale: localeSchema,
  country: z.string().regex(/^[A-Z]{2}$/, 'a two-letter country code such as US'),
  sendWindow,
  throttleDays: z.number().int().min(0).max(365),
  digestSchedule,
  channels: channelIdentitiesInput,
  reasonQuestion: reasonQuestionInput,
  widgetOrigins: websiteOrigins,
}).partial();
export type BusinessPatch = z.output<typeof businessPatch>;

/** The settings and sealed identities to store for a validated business. */
export function toStored(input: z.output<typeof businessInput>, box: SecretBox): { settings: BusinessSettings; sealed: string } {
  const { channels, ...rest } = input;
  // A channel is on when it has an identity, and that identity, if it is a switch (`{enabled}`), is on.
  const channelNames = (Object.keys(channels) as ChannelName[]).filter((name) => {
    const identity: object | undefined = channels[name];
    return identity !== undefined && !('enabled' in identity && identity.enabled === false);
  });
  return { settings: { ...rest, channelNames }, sealed: box.seal(JSON.stringify(channels)) };
}

/** Channel settings in the shape the channel factory takes, from a business's identities and the deployment's settings. */
export function channelSettingsOf(identities: ChannelIdentities, config: ChannelDeployment): ChannelSettings {
  const { sms, whatsapp, telegram, teams } = identities;
  return {
    web: { visitorsPerHour: config.web.visitorsPerHour, answersPerDevice: config.web.answersPerDevice, answersPerNetwork: config.web.answersPerNetwork, enabled: identities.web?.enabled ?? config.nodeEnv !== 'production' },
    twilio: sms ? { ...sms, apiBaseUrl: config.providers.twilioApiBaseUrl } : undefined,
    whatsapp: whatsapp ? { ...whatsapp, apiBaseUrl: config.providers.twilioApiBaseUrl } : undefined,
    // Long polling (development) is for the bot TELEGRAM_BOT_TOKEN names.
    telegram: telegram ? { ...telegram, apiRoot: config.providers.telegramApiRoot, polling: config.telegram?.polling === true && config.telegram.token === telegram.token } : undefined,
    teams: teams
      ? { ...teams, appPassword: teams.appPassword ?? '', tenantId: teams.tenantId, authDisabled: config.teams?.authDisabled ?? false, tokenValidation: config.teams?.tokenValidation }
      : undefined,
  };
}

/** The web chat's limits: new chats an hour per network address; answers a day per device and per network address. */
export interface WebLimits {
  visitorsPerHour: number;
  answersPerDevice: number;
  answersPerNetwork: number;
}

/** What the deployment's configuration (src/config.ts) gives every business's channels. */
export interface ChannelDeployment {
  nodeEnv: string;
  web: WebLimits;
  /** Stand-ins for the providers' APIs (tests; refused in production). */
  providers: { twilioApiBaseUrl?: string; telegramApiRoot?: string };
  /** The environment's Telegram bot, which may use long polling (development). */
  telegram?: { token: string; polling: boolean };
  teams?: { authDisabled: boolean; tokenValidation?: { openIdMetadataUrl: string; issuer: string } };
}

/** What the channel factory needs for one business. */
export interface ChannelSettings {
  web: { enabled: boolean } & WebLimits;
  twilio: { accountSid: string; authToken: string; from: string; ratePerSecond: number; apiBaseUrl?: string } | undefined;
  whatsapp: { accountSid: string; authToken: string; from: string; ratePerSecond: number; templates: WhatsappTemplate[]; apiBaseUrl?: string } | undefined;
  telegram: { token: string; webhookSecret: string; polling: boolean; apiRoot?: string } | undefined;
  teams:
    | {
        appId: string;
        appPassword: string;
        appType: (typeof teamsAppTypes)[number];
        tenantId: string | undefined;
        authDisabled: boolean;
        tokenValidation: { openIdMetadataUrl: string; issuer: string } | undefined;
      }
    | undefined;
}
