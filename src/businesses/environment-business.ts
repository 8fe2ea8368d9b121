import { createHash } from 'node:crypto';
import type { ChannelName } from '../domain/channels.js';
import type { Locale } from '../domain/surveys.js';
import type { SecretBox } from '../security/secret-box.js';
import { apiScopes, type Store } from '../store/index.js';
import { normalizeAddress } from '../surveys/start-survey.js';
import { channelIdentitiesInput } from './identities.js';
import { toStored } from './settings.js';

/**
 * The id of the business the environment describes. Kept from the versions that had one business, so
 * an upgrade keeps every survey, counter and key; its routes are also served un-prefixed.
 */
export const environmentBusinessId = 'default';

/** The fixed id of the stored record of API_KEY (a key of the environment's business with every scope). */
export const environmentKeyId = '000000000000000000000001';

/**
 * The business a channel route's path names: `/b/<id>/…`, or, un-prefixed (the routes of the versions
 * that had one business), the environment's business.
 */
export function businessOfPath(id: string | undefined): string {
  return id ?? environmentBusinessId;
}

/** What the deployment's configuration (src/config.ts) says of the business it describes. */
export interface EnvironmentDescription {
  business: { name: string; timeZone: string; locale: Locale; country: string; sendWindow: { startMinute: number; endMinute: number }; throttleDays: number };
  owners: { addresses: ReadonlyArray<{ channel: ChannelName; address: string }>; digestSchedule: { weekday: number; minute: number } };
  web: { enabled: boolean };
  twilio?: { accountSid: string; authToken: string; from: string; ratePerSecond: number };
  whatsapp?: { accountSid: string; authToken: string; from: string; ratePerSecond: number; templates: unknown[] };
  telegram?: { token: string; webhookSecret: string };
  teams?: { appId: string; appPassword: string; appType: string; tenantId?: string };
  apiKey?: string;
}

/** The business the environment describes, as the CLI or the API would be given it. */
export function environmentBusiness(config: EnvironmentDescription) {
  const { twilio, whatsapp, telegram, teams } = config;
  const channels = channelIdentitiesInput.parse({
    web: { enabled: config.web.enabled },
    ...(twilio ? { sms: { accountSid: twilio.accountSid, authToken: twilio.authToken, from: twilio.from, ratePerSecond: twilio.ratePerSecond } } : {}),
    ...(whatsapp ? { whatsapp: { accountSid: whatsapp.accountSid, authToken: whatsapp.authToken, from: whatsapp.from, ratePerSecond: whatsapp.ratePerSecond, templates: whatsapp.templates } } : {}),
    ...(telegram ? { telegram: { token: telegram.token, webhookSecret: telegram.webhookSecret } } : {}),
    // With the deployment's Teams auth off (never in production) the app's id is not used, so may be absent.
    ...(teams
      ? {
          teams: teams.appId
            ? { appId: teams.appId, appType: teams.appType, ...(teams.appPassword ? { appPassword: teams.appPassword } : {}), ...(teams.tenantId ? { tenantId: teams.tenantId } : {}) }
            : { appId: 'none', appPassword: 'none', appType: 'MultiTenant' },
        }
      : {}),
  });
  return { id: environmentBusinessId, ...config.business, digestSchedule: config.owners.digestSchedule, channels };
}

/**
 * The one start-up step that knows the environment's business: written as a stored business like
 * any other (identities sealed with SECRETS_KEY) when the environment describes it differently from
 * the last time it was written, so a change made through the API or the CLI since then stands until
 * the environment itself changes. OWNER_ADDRESSES are made owners. API_KEY is stored as any key is
 * (its hash, under a fixed id, every scope): replaced when it changes, revoked when it is unset.
 */
export async function adoptEnvironmentBusiness(config: EnvironmentDescription, store: Store, secrets: SecretBox, now: Date): Promise<boolean> {
  const business = environmentBusiness(config);
  // A digest, not the values: the identities hold secrets.
  const digest = createHash('sha256').update(JSON.stringify(business)).digest('hex');
  const { settings, sealed } = toStored(business, secrets);
  const written = await store.businesses.adopt(settings, sealed, digest);
  for (const { channel, address } of config.owners.addresses) {
    await store.staff.add(environmentBusinessId, { channel, address: normalizeAddress(channel, address, business.country) }, 'owner');
  }
  if (config.apiKey) await store.apiKeys.place(environmentKeyId, { businessId: environmentBusinessId, name: 'API_KEY', scopes: apiScopes, key: config.apiKey }, now);
  else await store.apiKeys.revoke(environmentKeyId, environmentBusinessId, now);
  return written;
}
