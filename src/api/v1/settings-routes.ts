import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BusinessOperations } from '../../businesses/operations.js';
import { basePathOf, businessPatch } from '../../businesses/settings.js';
import { channelNames } from '../../domain/channels.js';
import type { BusinessSettings } from '../../store/index.js';
import { problems } from './schemas.js';
import { reasonQuestionSchema } from '../../businesses/reason-question.js';
import { localeSchema } from '../../dialogs/languages.js';

const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const hhmm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

export const settingsSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    timeZone: z.string(),
    locale: localeSchema,
    country: z.string(),
    sendWindow: z.string().describe('Local hours when invitations may go out, e.g. 09:00-20:00'),
    throttleDays: z.number().int(),
    digestSchedule: z.string().nullable().describe('Weekday and local time of the weekly digest; null: the deployment default'),
    channels: z.array(z.enum(channelNames)).describe('Channels with identities of the business its own (never the secrets)'),
    routes: z.string().describe('Where its webhooks and web chat live'),
    disabled: z.boolean().describe('Kept but not served: its webhooks and web chat answer 404'),
    reasonQuestion: reasonQuestionSchema.nullable().describe('The optional question "What was it mostly about?" asked after the score and before the comment; null: none'),
    widgetOrigins: z.array(z.string()).describe('Websites (https origins) that may show the survey widget; others are refused'),
  })
  .meta({ id: 'Business' });


export function settingsJson(b: BusinessSettings) {
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
    disabled: b.disabled === true,
    reasonQuestion: b.reasonQuestion ?? null,
    widgetOrigins: b.widgetOrigins ?? [],
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
        'Only the fields given. Settings and new channel identities (stored encrypted) apply at once on this instance, on the others within BUSINESS_REFRESH. The business the environment describes is changed like any other; the environment is written over it again only when the environment itself changes. Scope: admin.',
      tags: ['business'],
      body: businessPatch,
      response: { 200: settingsSchema.extend({ restartNeeded: z.boolean() }), ...problems(415) },
    },
    handler: async (request) => {
      const changed = await BusinessOperations.of(app).change(request.businessId, request.body);
      request.log.info({ business: request.businessId, fields: Object.keys(request.body) }, 'business settings changed');
      return { ...settingsJson(changed), restartNeeded: false };
    },
  });
}
