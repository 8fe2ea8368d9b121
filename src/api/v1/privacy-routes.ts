import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { exportContentTypes, exportFilters, exportFormats, surveyExport } from '../export.js';
import { objectIdParam, problems } from './schemas.js';

const exportQuery = exportFilters.extend({ format: z.enum(exportFormats).default('csv').describe('csv (spreadsheet-safe) or jsonl (one JSON object per line)') });

/** Exports (streamed) and the GDPR export and erasure of one customer. */
export function privacyRoutes(app: FastifyInstance): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/surveys/export', {
    config: { scope: 'export' },
    schema: {
      summary: "Export the business's surveys",
      description: 'Streamed from the database as the client reads it (CSV or JSON lines), oldest first; `to` is exclusive. Scope: export.',
      tags: ['export'],
      querystring: exportQuery,
      response: { 200: z.string().describe('CSV with a header line, or one JSON object per line'), ...problems() },
    },
    handler: async (request, reply) => {
      const { format, ...filters } = request.query;
      return reply
        .type(exportContentTypes[format])
        .header('content-disposition', `attachment; filename="surveys.${format}"`)
        // A stream is sent as it is read; the 200 schema only documents it (streams are not serialized).
        .send(surveyExport(app.store, request.businessId, format, filters) as unknown as string);
    },
  });

  api.get('/customers/:id/export', {
    config: { scope: 'export' },
    schema: {
      summary: 'Everything stored about one customer (GDPR)',
      description: 'The person and every linked address: records, surveys, comments, replies, transcripts, messages, references. Scope: export.',
      tags: ['privacy'],
      params: objectIdParam,
      response: { 200: z.string().describe('A JSON document'), ...problems(404) },
    },
    handler: async (request, reply) => {
      const data = await app.privacy.exportCustomer(request.businessId, request.params.id);
      return reply.type('application/json; charset=utf-8').header('content-disposition', `attachment; filename="customer-${request.params.id}.json"`).send(JSON.stringify(data));
    },
  });

  api.delete('/customers/:id', {
    config: { scope: 'admin' },
    schema: {
      summary: 'Erase one customer (GDPR)',
      description: 'Addresses, names and comments are removed from every collection; anonymous scores stay in the counters. Safe to repeat. Scope: admin.',
      tags: ['privacy'],
      params: objectIdParam,
      response: { 200: z.looseObject({ customerId: z.string(), alreadyErased: z.boolean() }).describe('What was erased, counted per collection'), ...problems(404) },
    },
    handler: async (request) => {
      const report = await app.privacy.eraseCustomer(request.businessId, request.params.id);
      request.log.info({ erasure: report }, 'customer erased');
      return { ...report };
    },
  });
}
