import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { surveyKinds } from '../../domain/surveys.js';
import type { BusinessSettings } from '../../store/index.js';
import { invitationInput } from '../../surveys/deep-links.js';
import { addStaff, businessLink, createInvitation, staffBody } from '../business-handlers.js';
import type { BusinessServices } from '../business-services.js';
import { problems } from './schemas.js';

const link = z.object({ channel: z.literal('telegram'), kind: z.enum(surveyKinds), token: z.string(), link: z.string() });
const invitation = link.extend({ expiresAt: z.date() });
const staffResult = z.object({ added: z.boolean(), role: z.enum(['owner', 'staff']) });

/** Telegram links and staff of the caller's business. */
export function businessRoutes(app: FastifyInstance, servicesOf: (business: BusinessSettings) => BusinessServices): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post('/invitations', {
    config: { scope: 'surveys:write' },
    schema: {
      summary: 'A one-time Telegram survey link',
      description: 'For one customer whose chat is not known yet; the token is shown only here. 409 while Telegram is not enabled. Scope: surveys:write.',
      tags: ['links'],
      body: invitationInput,
      response: { 201: invitation, ...problems(409, 415) },
    },
    handler: async (request, reply) => reply.code(201).send(await createInvitation(app, servicesOf(request.business), request.body)),
  });

  api.get('/links/telegram', {
    config: { scope: 'surveys:read' },
    schema: {
      summary: 'The business\'s public Telegram link',
      description: 'For receipts or a QR code at the till: whoever opens it gets the survey. Scope: surveys:read.',
      tags: ['links'],
      querystring: z.strictObject({ kind: z.enum(surveyKinds).default('nps') }),
      response: { 200: link, ...problems(409) },
    },
    handler: async (request) => businessLink(app, servicesOf(request.business), request.query.kind),
  });

  api.post('/staff', {
    config: { scope: 'admin' },
    schema: {
      summary: 'Add a staff member or owner',
      description: 'Gives a channel address a role (an owner is never demoted). 201 when the address is new. Scope: admin.',
      tags: ['staff'],
      body: staffBody,
      response: { 200: staffResult, 201: staffResult, ...problems(415) },
    },
    handler: async (request, reply) => {
      const result = await addStaff(servicesOf(request.business), request.body);
      return reply.code(result.added ? 201 : 200).send(result);
    },
  });
}
