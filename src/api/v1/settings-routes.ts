import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { channelIdentitiesInput, toStored } from '../../businesses/settings.js';
import { basePathOf } from '../../plugins/channels.js';
import { digestSchedule, sendWindow, timeZone } from '../../domain/business-fields.js';
import { channelNames } from '../../domain/channels.js';
import { locales } from '../../domain/surveys.js';
import { freeText } from '../../domain/text.js';
import type { BusinessSettings } from '../../store/index.js';
import { problems } from './schemas.js';

const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const hhmm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

const settingsSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    timeZone: z.string(),
    locale: z.enum(locales),
    country: z.string(),
    sendWindow: z.string().describe('Local hours when invitations may go out, e.g. 09:00-20:00'),
    throttleDays: z.number().int(),
    digestSchedule: z.string().nullable().describe('Weekday and local time of the weekly digest; null: the deployment default'),
    channels: z.array(z.enum(channelNames)).describe('Channels with identities of the business its own (never the secrets)'),
    routes: z.string().describe('Where its webhooks and web chat live'),
  })
  .meta({ id: 'Business' });

/** A change: only the fields given; `channels` replaces the business's own identities (tokens, secrets, numbers). */
const settingsPatch = z
  .strictObject({
    name: freeText(100),
    timeZone,
    locale: z.enum(locales),
    country: z.string().regex(/^[A-Z]{2}$/, 'a two-letter country code such as US'),
    sendWindow,
    throttleDays: z.number().int().min(0).max(365),
    digestSchedule,
    channels: channelIdentitiesInput,
  })
  .partial();

function settingsJson(b: BusinessSettings) {
  return {
    id: b.id,
    name: b.name,
    timeZone: b.timeZone,
    locale: b.locale,
    country: b.country,
    sendWindow: `${hhmm(b.sendWindow.startMinute)}-${hhmm(b.sendWindow.endMinute)}`,
    throttleDays: b.throttleDays,
    digestSchedule: b.digestSchedule ? `${weekdays[b.digestSchedule.weekday]} ${hhmm(b.digestSchedule.minute)}` : null,
    channels: b.channelNames ?? [],
    routes: `${basePathOf(b.id)}/`,
  };
}

/** The key's business's own settings (scope admin): read and change, whichever business it is. */
export function settingsRoutes(app: FastifyInstance): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/business', {
    config: { scope: 'admin' },
    schema: { summary: "The business's settings", description: 'Never a secret. Scope: admin.', tags: ['business'], response: { 200: settingsSchema, ...problems() } },
    handler: async (request) => settingsJson((await app.store.businesses.get(request.businessId)) ?? request.business),
  });

  api.patch('/business', {
    config: { scope: 'admin' },
    schema: {
      summary: "Change the business's settings",
      description:
        'Only the fields given. Settings apply within a sweep; new channel identities (stored encrypted) from the next start. The business the environment describes is changed like any other; the environment is written over it again only when the environment itself changes. Scope: admin.',
      tags: ['business'],
      body: settingsPatch,
      response: { 200: settingsSchema.extend({ restartNeeded: z.boolean() }), ...problems(415) },
    },
    handler: async (request) => {
      const current = (await app.store.businesses.get(request.businessId))!;
      const { channels, ...fields } = request.body;
      const next: BusinessSettings = { ...current, ...fields };
      const sealed = channels ? toStored({ ...next, channels }, app.secrets) : undefined;
      await app.store.businesses.save(sealed ? { ...next, channelNames: sealed.settings.channelNames } : next, sealed?.sealed);
      request.log.info({ business: request.businessId, fields: Object.keys(request.body) }, 'business settings changed');
      return { ...settingsJson((await app.store.businesses.get(request.businessId))!), restartNeeded: channels !== undefined };
    },
  });
}
