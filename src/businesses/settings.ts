import { z } from 'zod';
import { digestSchedule, sendWindow, timeZone, type Config } from '../config.js';
import type { ChannelName } from '../domain/channels.js';
import { locales } from '../domain/surveys.js';
import { freeText } from '../domain/text.js';
import type { SecretBox } from '../security/secret-box.js';
import type { BusinessSettings } from '../store/index.js';

/** The first business: the one the environment describes (a single-business install's only one). */
export const firstBusinessId = 'default';

/** Business ids appear in URLs (`/b/<id>/…`) and in Telegram deep links: 1-32 of A-Z a-z 0-9 _. */
export const businessIdSchema = z.string().regex(/^[A-Za-z0-9_]{1,32}$/, '1-32 letters, digits or _');

/** A business's own channel identities: its Twilio sender, its Telegram bot, its Teams app, its web chat. */
export const channelIdentitiesInput = z.strictObject({
  web: z.strictObject({ enabled: z.boolean() }).optional(),
  sms: z
    .strictObject({
      accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'an account SID: AC followed by 32 hex digits'),
      authToken: z.string().trim().min(1),
      from: z.string().regex(/^(\+[1-9]\d{6,14}|MG[0-9a-fA-F]{32})$/, 'an E.164 number such as +15551234567 or a messaging service SID (MG…)'),
      ratePerSecond: z.number().positive().max(100).default(1),
      apiBaseUrl: z.url().optional(),
    })
    .optional(),
  telegram: z
    .strictObject({
      token: z.string().regex(/^\d+:[\w-]{20,}$/, 'a bot token from @BotFather (123456:ABC…)'),
      webhookSecret: z.string().regex(/^[A-Za-z0-9_-]{16,256}$/, '16-256 characters of A-Z, a-z, 0-9, _ and -'),
      apiRoot: z.url().optional(),
    })
    .optional(),
  teams: z
    .strictObject({
      appId: z.string().trim().min(1),
      appPassword: z.string().trim().min(1),
      appType: z.enum(['MultiTenant', 'SingleTenant']).default('SingleTenant'),
      tenantId: z.string().trim().min(1).optional(),
    })
    .refine((t) => t.appType !== 'SingleTenant' || t.tenantId, { message: 'tenantId is required for a SingleTenant Teams app', path: ['tenantId'] })
    .optional(),
});
export type ChannelIdentities = z.output<typeof channelIdentitiesInput>;

/** A business as the API and the CLI create or change it. */
export const businessInput = z.strictObject({
  id: businessIdSchema,
  name: freeText(100),
  timeZone: timeZone.default('UTC'),
  locale: z.enum(locales).default('en'),
  country: z.string().regex(/^[A-Z]{2}$/, 'a two-letter country code such as US').default('US'),
  sendWindow: sendWindow.prefault('09:00-20:00'),
  throttleDays: z.number().int().min(0).max(365).default(30),
  digestSchedule: digestSchedule.optional(),
  channels: channelIdentitiesInput.default({}),
});
export type BusinessInput = z.input<typeof businessInput>;

/** The settings and sealed identities to store for a validated business. */
export function toStored(input: z.output<typeof businessInput>, box: SecretBox): { settings: BusinessSettings; sealed: string } {
  const { channels, ...rest } = input;
  const channelNames = (Object.keys(channels) as ChannelName[]).filter((name) => name !== 'web' || channels.web?.enabled);
  return { settings: { ...rest, channelNames }, sealed: box.seal(JSON.stringify(channels)) };
}

/** The settings of the first business, from the environment. */
export function firstBusiness(config: Config): BusinessSettings {
  return { id: firstBusinessId, ...config.business, digestSchedule: config.owners.digestSchedule };
}

/** Channel settings in the shape the channel factory takes, from a business's identities. */
export function channelSettingsOf(identities: ChannelIdentities, config: Config): ChannelSettings {
  return {
    web: { enabled: identities.web?.enabled ?? config.nodeEnv !== 'production', visitorsPerHour: config.web.visitorsPerHour },
    twilio: identities.sms ? { ...identities.sms, apiBaseUrl: identities.sms.apiBaseUrl } : undefined,
    telegram: identities.telegram ? { ...identities.telegram, apiRoot: identities.telegram.apiRoot, polling: false } : undefined,
    teams: identities.teams
      ? { ...identities.teams, tenantId: identities.teams.tenantId, authDisabled: config.teams?.authDisabled ?? false, tokenValidation: config.teams?.tokenValidation }
      : undefined,
  };
}

/** What the channel factory needs: the same shape the environment gives the first business. */
export interface ChannelSettings {
  web: { enabled: boolean; visitorsPerHour: number };
  twilio: Config['twilio'];
  telegram: Config['telegram'];
  teams: Config['teams'];
}

export function channelSettingsFromConfig(config: Config): ChannelSettings {
  return { web: config.web, twilio: config.twilio, telegram: config.telegram, teams: config.teams };
}
