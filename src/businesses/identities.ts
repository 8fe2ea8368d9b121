import { z } from 'zod';
import { placeholders } from '../dialogs/prompts/catalog.js';
import { surveyKinds } from '../domain/surveys.js';
import { localeSchema } from '../dialogs/languages.js';

/*
 * A channel identity (a Twilio sender, a Telegram bot, a Teams app, the web chat), one schema for
 * every way a business gets one: the environment (the business it describes), the CLI and the API.
 */

export const twilioAccountSid = z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'an account SID: AC followed by 32 hex digits');
export const twilioSender = z.string().regex(/^(\+[1-9]\d{6,14}|MG[0-9a-fA-F]{32})$/, 'an E.164 number such as +15551234567 or a messaging service SID (MG…)');
export const smsRate = z.number().positive().max(100);
export const whatsappSender = z.string().regex(/^(whatsapp:\+[1-9]\d{6,14}|MG[0-9a-fA-F]{32})$/, 'a WhatsApp sender such as whatsapp:+15551234567 or a messaging service SID (MG…)');
/** Meta's default throughput for a WhatsApp Business number (Twilio passes it on): 80 messages a second. */
export const whatsappRate = z.number().positive().max(80);

/** What a template's variables may be filled with: a survey's placeholders, or (for an owner) the notice's text. */
export const templateValueNames = [...(Object.keys(placeholders) as Array<keyof typeof placeholders>), 'text'] as const;

/**
 * An approved WhatsApp template (Twilio Content API, `HX…`) for a message that may start a
 * conversation: per purpose, language and optionally survey kind; `variables` fill `{{1}}`, `{{2}}`, … in order.
 */
export const whatsappTemplate = z.strictObject({
  purpose: z.enum(['invitation', 'reminder', 'owner']),
  kind: z.enum(surveyKinds).optional(),
  locale: localeSchema,
  contentSid: z.string().regex(/^HX[0-9a-fA-F]{32}$/, 'a content SID: HX followed by 32 hex digits'),
  variables: z.array(z.enum(templateValueNames)).max(10).default([]),
});
export type WhatsappTemplate = z.output<typeof whatsappTemplate>;
export const telegramToken = z.string().regex(/^\d+:[\w-]{20,}$/, 'a bot token from @BotFather (123456:ABC…)');
export const telegramWebhookSecret = z.string().regex(/^[A-Za-z0-9_-]{16,256}$/, '16-256 characters of A-Z, a-z, 0-9, _ and -');
export const teamsAppTypes = ['MultiTenant', 'SingleTenant', 'UserAssignedMSI'] as const;

/** What a Teams app of each type needs besides its id: a tenant (single tenant, managed identity), a password (not with a managed identity). */
export function teamsIdentityProblems(t: { appType: (typeof teamsAppTypes)[number]; appPassword?: string; tenantId?: string }): Array<{ field: 'tenantId' | 'appPassword'; message: string }> {
  const problems: Array<{ field: 'tenantId' | 'appPassword'; message: string }> = [];
  if (t.appType !== 'MultiTenant' && !t.tenantId) problems.push({ field: 'tenantId', message: `required for a ${t.appType} Teams app` });
  if (t.appType !== 'UserAssignedMSI' && !t.appPassword) problems.push({ field: 'appPassword', message: `required for a ${t.appType} Teams app` });
  return problems;
}

/**
 * Where provider traffic goes is the deployment's (TWILIO_API_BASE_URL, TELEGRAM_API_ROOT, outside
 * production only), never a business's: a stored URL would carry the business's credentials to it.
 * Named here so a request that sends one is told why, not just "unrecognized key".
 */
const deploymentEndpoint = (field: string, variable: string) =>
  z.never({ error: `${field} is not a business setting: provider endpoints belong to the deployment (${variable}), outside production only` }).optional();

/** A business's own channel identities: its Twilio senders (SMS, WhatsApp), its Telegram bot, its Teams app, its web chat. */
export const channelIdentitiesInput = z.strictObject({
  web: z.strictObject({ enabled: z.boolean() }).optional(),
  sms: z
    .strictObject({
      accountSid: twilioAccountSid,
      authToken: z.string().trim().min(1),
      from: twilioSender,
      ratePerSecond: smsRate.default(1),
      apiBaseUrl: deploymentEndpoint('apiBaseUrl', 'TWILIO_API_BASE_URL'),
    })
    .optional(),
  whatsapp: z
    .strictObject({
      accountSid: twilioAccountSid,
      authToken: z.string().trim().min(1),
      from: whatsappSender,
      ratePerSecond: whatsappRate.default(80),
      templates: z.array(whatsappTemplate).max(200).default([]),
      apiBaseUrl: deploymentEndpoint('apiBaseUrl', 'TWILIO_API_BASE_URL'),
    })
    .optional(),
  telegram: z
    .strictObject({
      token: telegramToken,
      webhookSecret: telegramWebhookSecret,
      apiRoot: deploymentEndpoint('apiRoot', 'TELEGRAM_API_ROOT'),
    })
    .optional(),
  teams: z
    .strictObject({
      appId: z.string().trim().min(1),
      appPassword: z.string().trim().min(1).optional(),
      appType: z.enum(teamsAppTypes).default('SingleTenant'),
      tenantId: z.string().trim().min(1).optional(),
    })
    .superRefine((t, ctx) => {
      for (const { field, message } of teamsIdentityProblems(t)) ctx.addIssue({ code: 'custom', path: [field], message });
    })
    .optional(),
});
export type ChannelIdentities = z.output<typeof channelIdentitiesInput>;

/** Identities as stored; those sealed by older versions may carry an endpoint URL, which is dropped. */
export function storedIdentities(json: unknown): ChannelIdentities {
  const raw = (json ?? {}) as { sms?: Record<string, unknown>; telegram?: Record<string, unknown> };
  const { apiBaseUrl: _sms, ...sms } = raw.sms ?? {};
  const { apiRoot: _telegram, ...telegram } = raw.telegram ?? {};
  return channelIdentitiesInput.parse({ ...raw, ...(raw.sms ? { sms } : {}), ...(raw.telegram ? { telegram } : {}) });
}
