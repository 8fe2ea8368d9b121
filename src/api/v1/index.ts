import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from '../../config.js';
import { NotFoundError } from '../../errors.js';
import { apiServicesOf } from '../business-api-services.js';
import { apiKeyRoutes } from './api-key-routes.js';
import { ApiKeyAuth } from './auth.js';
import { businessRoutes } from './business-routes.js';
import { contentRoutes } from './content-routes.js';
import { customerRoutes } from './customer-routes.js';
import { operatorRoutes } from './operator-routes.js';
import { privacyRoutes } from './privacy-routes.js';
import { insightRoutes } from './insight-routes.js';
import { MethodNotAllowedError, RouteMethods } from './methods.js';
import { problemHandler } from './problems.js';
import { reportRoutes } from './report-routes.js';
import { settingsRoutes } from './settings-routes.js';
import { surveyRoutes } from './survey-routes.js';
import { surveyLinkRoutes } from './survey-link-routes.js';
import { webhookRoutes } from './webhook-routes.js';
import { webhookUrlPolicy } from '../../outbound-webhooks/subscription-input.js';

/**
 * REST API v1 (encapsulated, under /api/v1): zod schemas for input and output, scoped keys per
 * business, a rate limit per key, and every error as RFC 9457 problem details. Export, GDPR and
 * webhook routes are mounted here by their own modules.
 */
export async function apiV1(app: FastifyInstance, { config }: { config: Config }): Promise<void> {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(problemHandler);
  app.setNotFoundHandler((request) => {
    throw new NotFoundError(`no route ${request.method} ${request.url.split('?')[0]}`);
  });
  app.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.decorateRequest('businessId', '');
  app.decorateRequest('business', null as never);

  // A path that exists, asked with a method it does not answer: 405 with `Allow`, before any body is read.
  const methods = new RouteMethods();
  app.addHook('onRoute', (route) => methods.add(route.url, route.method));
  app.addHook('onRequest', async (request) => {
    if (!request.is404) return;
    const allow = methods.allowed(request.url.split('?')[0] ?? '');
    if (allow.length) throw new MethodNotAllowedError(request.method, allow);
  });

  // Identify first, count (by key, or by address for callers without one), then refuse.
  const auth = new ApiKeyAuth(app);
  app.addHook('onRequest', (request) => auth.identify(request));
  await app.register(rateLimit, {
    max: config.apiRateLimit,
    timeWindow: 60_000,
    hook: 'onRequest',
    keyGenerator: (request) => (request.apiKey ? `key:${request.apiKey.id}` : `ip:${request.ip}`),
  });
  app.addHook('preParsing', async (request) => auth.require(request));
  app.addHook('onRoute', (route) => {
    if (!route.config?.scope) throw new Error(`v1 route ${route.method} ${route.url} declares no scope`);
  });

  const servicesOf = apiServicesOf(app);
  surveyRoutes(app, servicesOf);
  customerRoutes(app);
  reportRoutes(app, config.web);
  businessRoutes(app, servicesOf);
  apiKeyRoutes(app, auth);
  webhookRoutes(app, webhookUrlPolicy(config));
  privacyRoutes(app);
  settingsRoutes(app);
  insightRoutes(app);
  contentRoutes(app);
  surveyLinkRoutes(app, config.publicUrl);
  operatorRoutes(app);
}
