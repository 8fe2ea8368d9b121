import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { exportContentTypes, exportFilters, exportFormats, surveyExport } from '../export.js';
import { objectIdParam, problems } from './schemas.js';

const exportQuery = exportFilters.extend({ format: z.enum(exportFormats).default('csv').describe('csv (spreadsheet-safe) or jsonl (one JSON object per line)') });

const records = z.array(z.looseObject({}));
/** What the customer export holds: every collection's records of the person, each as stored (less other businesses' data). */
const customerExport = z
  .object({
    exportedAt: z.iso.datetime(),
    businessId: z.string(),
    customerId: z.string(),
    customers: records,
    surveys: records,
    webTranscript: records,
    inbound: records,
    outbox: records,
    teamsConversations: records,
    invitations: records,
    digests: records,
    staffIdentities: records,
    webhookDeliveries: records,
    events: records,
  })
  .describe('A JSON document, sent as a download (content-disposition: attachment)')
  .meta({ id: 'CustomerExport' });

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
      response: {
        200: {
          description: 'CSV with a header line (format=csv), or one JSON object per line (format=jsonl)',
          content: { 'text/csv': { schema: z.string() }, 'application/x-ndjson': { schema: z.string() } },
        },
        ...problems(),
      },
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
      response: { 200: customerExport, ...problems(404) },
    },
    handler: async (request, reply) => {
      const data = await app.privacy.exportCustomer(request.businessId, request.params.id);
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="customer-${request.params.id}.json"`)
        // Sent as text, as exported: the schema documents it and does not reshape it.
        .send(JSON.stringify(data) as never);
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
