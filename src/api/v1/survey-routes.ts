import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { BusinessApiServices } from '../business-api-services.js';
import type { BusinessSettings } from '../../store/index.js';
import { maxRows, startSurveys, surveyJson, surveyRow, surveyWithDelivery } from '../survey-handlers.js';
import { InvalidFieldsError } from './problems.js';
import { bulkResult, objectIdParam, problems, startResult, surveyFilterQuery, surveyPage, surveySchema } from './schemas.js';

/** The cursor is the last id of a page, shortened; clients treat it as opaque. */
const cursorOf = (id: string) => Buffer.from(id, 'hex').toString('base64url');
function idOfCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('hex');
  if (!/^[a-f0-9]{24}$/.test(id)) throw new InvalidFieldsError('cursor: not a cursor from a previous page', [{ field: 'cursor', message: 'not a cursor from a previous page' }]);
  return id;
}

const row = surveyRow.meta({ id: 'NewSurvey' });
/** Each row of an upload is checked on its own: a row that is no NewSurvey is refused in its result, and the others start. */
const uploadRow = z.unknown().describe('A NewSurvey; a row that is not one is refused in its own result');
const startBody = z.union([row, z.array(uploadRow).min(1).max(maxRows), z.string().min(1).describe(`CSV (text/csv) with the header kind,channel,address,name,locale,context; up to ${maxRows} rows`)]);

/** A single survey refused: its wrong fields, or its address (the only other thing the starter refuses). */
const refusal = (message: string, issues?: z.ZodError) => {
  if (issues) return InvalidFieldsError.fromZod(issues);
  const field = /^(\w+): (.*)$/.exec(message);
  return new InvalidFieldsError(message, [field ? { field: field[1]!, message: field[2]! } : { field: 'address', message }]);
};

/** Starting and reading surveys of the caller's business. */
export function surveyRoutes(app: FastifyInstance, servicesOf: (business: BusinessSettings) => Promise<BusinessApiServices>): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post('/surveys', {
    config: { scope: 'surveys:write' },
    schema: {
      summary: 'Start surveys',
      description: `One JSON object starts one survey (201 when the invitation went out or waits for the send window, 200 with the reason when none was started). A JSON array or a text/csv upload (up to ${maxRows} rows) gives a result per row. Scope: surveys:write.`,
      tags: ['surveys'],
      consumes: ['application/json', 'text/csv'],
      body: startBody,
      response: { 200: z.union([startResult, bulkResult]), 201: startResult, ...problems(413, 415) },
    },
    // Rows are checked one by one (a bad row is that row's result, not a refusal of the file), so the body passes as sent.
    validatorCompiler: () => (data) => ({ value: data }),
    handler: async (request, reply) => {
      const { status, body } = await startSurveys((await servicesOf(request.business)).surveys, request.body, refusal);
      return reply.code(status as 200 | 201).send(body as never);
    },
  });

  api.get('/surveys/:id', {
    config: { scope: 'surveys:read' },
    schema: { summary: 'One survey', description: 'With its replies and its invitation\'s delivery. Scope: surveys:read.', tags: ['surveys'], params: objectIdParam, response: { 200: surveySchema, ...problems(404) } },
    handler: async (request) => surveyWithDelivery(app, request.params.id, request.businessId),
  });

  api.get('/surveys', {
    config: { scope: 'surveys:read' },
    schema: {
      summary: 'List surveys',
      description: 'Newest first, filtered; `next` is the cursor of the following page (null on the last). Scope: surveys:read.',
      tags: ['surveys'],
      querystring: surveyFilterQuery,
      response: { 200: surveyPage, ...problems() },
    },
    handler: async (request) => {
      const { limit, cursor, from, to, ...filter } = request.query;
      const items = await app.store.surveys.page(
        request.businessId,
        { ...filter, from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined },
        cursor ? idOfCursor(cursor) : undefined,
        limit,
      );
      const last = items.at(-1);
      return { items: items.map((s) => surveyJson(s)), next: items.length === limit && last ? cursorOf(last.id) : null };
    },
  });
}
