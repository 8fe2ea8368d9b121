import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { surveyKinds } from '../../domain/surveys.js';
import { NotFoundError } from '../../errors.js';
import { linkNumbers, type LinkNumbers } from '../../links/link-numbers.js';
import { linkUrl } from '../../links/printables.js';
import { changeLink, createLink, linkChange, linkInput, linkState } from '../../links/survey-links.js';
import type { SurveyLinkRecord } from '../../store/index.js';
import { problems } from './schemas.js';
import { localeSchema } from '../../dialogs/languages.js';

const numbers = z
  .object({
    opened: z.number().int().describe('Times its page was opened'),
    started: z.number().int().describe('Surveys its visitors started'),
    answered: z.number().int().describe('Surveys that got a score'),
    score: z.number().nullable().describe('NPS, % satisfied (CSAT) or % agreeing (CES); null with no answers'),
    marginOfError: z.number().nullable().describe('95 % margin of the score, in points'),
    averageScore: z.number().nullable().describe('The average answer on the kind\'s scale'),
  })
  .meta({ id: 'SurveyLinkNumbers' });

export const surveyLinkSchema = z
  .object({
    code: z.string(),
    url: z.string().describe('What the QR code and the poster carry: /s/<code>'),
    qr: z.object({ svg: z.string(), png: z.string() }),
    posters: z.object({ a4: z.string(), a6: z.string() }).describe('Print-ready pages (@page sized)'),
    state: z.enum(['active', 'paused', 'expired']),
    kind: z.enum(surveyKinds),
    locale: localeSchema.nullable(),
    label: z.string().nullable(),
    location: z.string().nullable(),
    staff: z.string().nullable(),
    product: z.string().nullable(),
    campaign: z.string().nullable(),
    createdAt: z.date(),
    expiresAt: z.date().nullable(),
    numbers,
  })
  .meta({ id: 'SurveyLink' });

const codeParam = z.strictObject({ code: z.string().describe('The link\'s code, as in /s/<code>') });
const listQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) });

/** Survey links of the key's business (`/s/<code>`): make, list with their numbers, pause, resume, expire, delete. */
export function surveyLinkRoutes(app: FastifyInstance, publicUrl: string): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const json = (link: SurveyLinkRecord, n: LinkNumbers | undefined) => {
    const url = linkUrl(publicUrl, link.code);
    return {
      code: link.code,
      url,
      qr: { svg: `${url}/qr.svg`, png: `${url}/qr.png` },
      posters: { a4: `${url}/poster?size=a4`, a6: `${url}/poster?size=a6` },
      state: linkState(link, app.now()),
      kind: link.kind,
      locale: link.locale ?? null,
      label: link.label ?? null,
      location: link.location ?? null,
      staff: link.staff ?? null,
      product: link.product ?? null,
      campaign: link.campaign ?? null,
      createdAt: link.createdAt,
      expiresAt: link.expiresAt ?? null,
      numbers: n ?? { opened: link.opened, started: 0, answered: 0, score: null, marginOfError: null, averageScore: null },
    };
  };
  const withNumbers = async (business: { id: string; timeZone: string }, links: SurveyLinkRecord[]) => {
    const n = await linkNumbers(app.store, business, links, app.now());
    return links.map((l) => json(l, n.get(l.code)));
  };
  const one = async (businessId: string, code: string) => {
    const link = await app.store.surveyLinks.get(businessId, code);
    if (!link) throw new NotFoundError(`no link ${code}`);
    return link;
  };

  api.post('/links', {
    config: { scope: 'admin' },
    schema: {
      summary: 'Make a survey link',
      description: 'A short unguessable /s/<code> that opens the web chat with this kind, language and context, so its answers count in those cohorts and in `link:<code>`. Scope: admin.',
      tags: ['links'],
      body: linkInput,
      response: { 201: surveyLinkSchema, ...problems(415) },
    },
    handler: async (request, reply) => {
      const link = await createLink(app.store, request.businessId, request.body, app.now());
      request.log.info({ business: request.businessId, link: link.code }, 'survey link made');
      return reply.code(201).send(json(link, undefined));
    },
  });

  api.get('/links', {
    config: { scope: 'surveys:read' },
    schema: { summary: 'Survey links with their numbers', description: 'Newest first. Scope: surveys:read.', tags: ['links'], querystring: listQuery, response: { 200: z.object({ items: z.array(surveyLinkSchema) }), ...problems() } },
    handler: async (request) => ({ items: await withNumbers(request.business, await app.store.surveyLinks.list(request.businessId, request.query.limit)) }),
  });

  api.get('/links/:code', {
    config: { scope: 'surveys:read' },
    schema: { summary: 'One survey link with its numbers', description: 'Scope: surveys:read.', tags: ['links'], params: codeParam, response: { 200: surveyLinkSchema, ...problems(404) } },
    handler: async (request) => (await withNumbers(request.business, [await one(request.businessId, request.params.code)]))[0]!,
  });

  api.patch('/links/:code', {
    config: { scope: 'admin' },
    schema: { summary: 'Pause, resume or expire a survey link', description: 'Only the fields given. Scope: admin.', tags: ['links'], params: codeParam, body: linkChange, response: { 200: surveyLinkSchema, ...problems(404, 415) } },
    handler: async (request) => {
      const link = await changeLink(app.store, request.businessId, request.params.code, request.body, app.now());
      return (await withNumbers(request.business, [link]))[0]!;
    },
  });

  api.delete('/links/:code', {
    config: { scope: 'admin' },
    schema: { summary: 'Delete a survey link', description: 'Its page answers 404 from now on; answers already given stay counted in their cohorts. Scope: admin.', tags: ['links'], params: codeParam, response: { 204: z.null(), ...problems(404) } },
    handler: async (request, reply) => {
      if (!(await app.store.surveyLinks.delete(request.businessId, request.params.code))) throw new NotFoundError(`no link ${request.params.code}`);
      return reply.code(204).send(null);
    },
  });
}
