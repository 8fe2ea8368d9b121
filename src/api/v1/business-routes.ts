import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { deepLinkChannels } from '../../domain/channel-facts.js';
import { channelNames } from '../../domain/channels.js';
import { surveyKinds } from '../../domain/surveys.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import type { BusinessSettings } from '../../store/index.js';
import { StaffService } from '../../staff/staff-service.js';
import { invitationInput } from '../../surveys/deep-links.js';
import { addStaff, businessLink, createInvitation, removeStaff, setStaffLocale, staffBody, staffLocaleBody } from '../business-handlers.js';
import type { BusinessApiServices } from '../business-api-services.js';
import { problems } from './schemas.js';

const link = z.object({ channel: z.enum(deepLinkChannels), kind: z.enum(surveyKinds), token: z.string(), link: z.string() });
const invitation = link.extend({ expiresAt: z.date() });
const staffResult = z.object({ added: z.boolean(), role: z.enum(['owner', 'staff']) });
const role = z.enum(['owner', 'staff']);
const identity = z.object({ channel: z.enum(channelNames), address: z.string() });
const staffList = z
  .object({
    items: z.array(
      z.object({ id: z.string(), role, name: z.string().nullable(), locale: z.string().nullable().describe("Their own language; null: the business's"), identities: z.array(identity), since: z.date() }),
    ),
    changes: z.array(identity.extend({ action: z.enum(['added', 'removed']), role, by: z.string(), at: z.date() })).describe('The latest changes, newest first'),
  })
  .meta({ id: 'Staff' });

/** Telegram links and staff of the caller's business. */
export function businessRoutes(app: FastifyInstance, servicesOf: (business: BusinessSettings) => Promise<BusinessApiServices>): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  // Staff live in the store alone: served for any stored business, read afresh on every request.
  const staffOf = (business: BusinessSettings) => new StaffService(app.store, business.id, app.now);

  api.post('/invitations', {
    config: { scope: 'surveys:write' },
    schema: {
      summary: 'A one-time Telegram survey link',
      description: 'For one customer whose chat is not known yet; the token is shown only here. 409 while Telegram is not enabled. Scope: surveys:write.',
      tags: ['links'],
      body: invitationInput,
      response: { 201: invitation, ...problems(409, 415) },
    },
    handler: async (request, reply) => reply.code(201).send(await createInvitation(app, await servicesOf(request.business), request.body)),
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
    handler: async (request) => businessLink(app, await servicesOf(request.business), request.query.kind),
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
      const result = await addStaff(await servicesOf(request.business), request.body, `API key ${request.apiKey!.id}`);
      return reply.code(result.added ? 201 : 200).send(result);
    },
  });

  api.get('/staff', {
    config: { scope: 'admin' },
    schema: { summary: 'Owners and staff, and the latest changes', description: 'Who has access on which addresses; who gave or took it, and when. Scope: admin.', tags: ['staff'], response: { 200: staffList, ...problems() } },
    handler: async (request) => {
      const { members, changes } = await staffOf(request.business).overview();
      return { items: members.map((m) => ({ id: m.staffId, role: m.role, name: m.name ?? null, locale: m.locale ?? null, identities: m.identities, since: m.since })), changes };
    },
  });

  const staffAddress = z.strictObject({ channel: z.enum(channelNames), address: z.string().min(1).max(200) });

  api.patch('/staff/:channel/:address', {
    config: { scope: 'admin' },
    schema: {
      summary: 'Set a staff member\'s or owner\'s language',
      description: "The language the person behind this address (every address of theirs) reads alerts, the digest and command answers in; null goes back to the business's. The person can also choose it in chat with /language. 404: no one with access there. Scope: admin.",
      tags: ['staff'],
      params: staffAddress,
      body: staffLocaleBody,
      response: { 204: z.null(), ...problems(404, 415) },
    },
    handler: async (request, reply) => {
      if (!(await setStaffLocale(staffOf(request.business), request.business.country, request.params, request.body.locale))) throw new NotFoundError('no staff member or owner at that address');
      return reply.code(204).send(null);
    },
  });

  api.delete('/staff/:channel/:address', {
    config: { scope: 'admin' },
    schema: {
      summary: 'Remove a staff member or owner',
      description: 'The person behind this address loses access on every address of theirs at once, on every instance. 404: no one with access there; 409: the last owner, who stays. Scope: admin.',
      tags: ['staff'],
      params: staffAddress,
      response: { 204: z.null(), ...problems(404, 409) },
    },
    handler: async (request, reply) => {
      const result = await removeStaff(staffOf(request.business), request.business.country, request.params, `API key ${request.apiKey!.id}`);
      if (result === 'unknown') throw new NotFoundError('no staff member or owner at that address');
      if (result === 'last_owner') throw new ConflictError('the last owner cannot be removed: add another owner first');
      return reply.code(204).send(null);
    },
  });
}
