import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { Config } from '../config.js';
import { apiV1 } from './v1/index.js';

const description = `Surveys, customers and metrics of one business, chosen by the API key.

Send the key as \`x-api-key: sk_…\` or \`Authorization: Bearer sk_…\`. Scopes: \`surveys:write\`,
\`surveys:read\`, \`export\`, \`admin\`. Every error is RFC 9457 problem details
(\`application/problem+json\`); a 400 lists each wrong field in \`errors\`. Requests are limited per
key per minute (429 with \`Retry-After\`).`;

/**
 * API v1 with its documentation, under /api: the OpenAPI 3.1 document is generated from the v1
 * routes' zod schemas (only those: swagger sees the routes of this context) and served with
 * Swagger UI from the app itself at /api/docs, the JSON at /api/docs/json.
 */
export async function apiWithDocs(app: FastifyInstance, { config }: { config: Config }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Survey bot API', version: '1.0.0', description },
      servers: [{ url: config.publicUrl }],
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ apiKey: [] }, { bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(apiV1, { prefix: '/v1', config });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true } });
}
