import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../helpers/build.js';
import { visitor } from '../../staff/web-chat.js';
import { buildV1Server, envKey, v1 } from './v1-server.js';

type Doc = { openapi: string; paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>> };

let server: TestServer;
let doc: Doc;
beforeAll(async () => {
  server = await buildV1Server();
  doc = (await server.app.inject({ method: 'GET', url: '/api/docs/json' })).json();
});
afterAll(() => server?.close());

/**
 * One request per documented route that must succeed (2xx): walking the document fails on a route
 * nobody calls here. The other v1 test files test each route's refusals and edge cases.
 */
const examples: Record<string, (ids: Record<string, string>) => { path: string; payload?: unknown }> = {
  'POST /surveys': () => ({ path: '/surveys', payload: { kind: 'nps', channel: 'web', address: visitor() } }),
  'GET /surveys': () => ({ path: '/surveys?limit=5' }),
  'GET /surveys/{id}': (ids) => ({ path: `/surveys/${ids.survey}` }),
  'GET /customers/{id}': (ids) => ({ path: `/customers/${ids.customer}` }),
  'PATCH /customers/{id}': (ids) => ({ path: `/customers/${ids.customer}`, payload: { tags: ['vip'] } }),
  'GET /metrics': () => ({ path: '/metrics?kind=nps' }),
  'GET /stats': () => ({ path: '/stats?period=7d' }),
  'GET /metrics/refused-answers': () => ({ path: '/metrics/refused-answers?from=2026-03-01&to=2026-03-10' }),
  'POST /staff': () => ({ path: '/staff', payload: { channel: 'web', address: visitor(), role: 'staff' } }),
  'POST /api-keys': () => ({ path: '/api-keys', payload: { name: 'CRM', scopes: ['surveys:read'] } }),
  'GET /api-keys': () => ({ path: '/api-keys' }),
  'DELETE /api-keys/{id}': (ids) => ({ path: `/api-keys/${ids.apiKey}` }),
  'POST /webhooks': () => ({ path: '/webhooks', payload: { url: 'https://hooks.example.com/survey', events: ['survey.scored'] } }),
  'GET /webhooks': () => ({ path: '/webhooks' }),
  'GET /webhooks/{id}/deliveries': (ids) => ({ path: `/webhooks/${ids.subscription}/deliveries` }),
  'DELETE /webhooks/{id}': (ids) => ({ path: `/webhooks/${ids.subscription}` }),
  'GET /surveys/export': () => ({ path: '/surveys/export?format=jsonl&kind=csat' }),
  'GET /customers/{id}/export': (ids) => ({ path: `/customers/${ids.customer}/export` }),
  'DELETE /customers/{id}': (ids) => ({ path: `/customers/${ids.customer}` }),
  'GET /business': () => ({ path: '/business' }),
  'POST /events': () => ({ path: '/events', payload: [{ type: 'refund', at: '2026-03-01', source: 'shop', sourceEventId: 'r1', customer: { email: 'ana@example.com' }, attributes: { amount: 4 } }] }),
  'POST /surveys/import': () => ({ path: '/surveys/import?source=doc', payload: [{ sourceId: 'r1', kind: 'nps', score: 9, answeredAt: '2026-03-01T10:00:00Z', customer: { email: 'ana@example.com' } }] }),
  'GET /customers/{id}/timeline': (ids) => ({ path: `/customers/${ids.customer}/timeline` }),
  'GET /metrics/cohorts': () => ({ path: '/metrics/cohorts?kind=nps&by=tag&from=2026-01-05&to=2026-03-01' }),
  'GET /insights/drops': () => ({ path: '/insights/drops?from=2026-01-01&to=2026-03-01' }),
  'GET /insights/segments': () => ({ path: '/insights/segments?from=2026-01-01&to=2026-03-01&kind=nps' }),
  'GET /insights/themes': () => ({ path: '/insights/themes?from=2026-01-01&to=2026-03-01' }),
  'GET /content/{kind}/{locale}': () => ({ path: '/content/csat/es' }),
  'PUT /content/{kind}/{locale}': () => ({ path: '/content/csat/es', payload: { messages: {} } }),
  'POST /content/{kind}/{locale}/preview': () => ({ path: '/content/csat/es/preview', payload: { messages: { closing: 'Gracias, {firstName}.' } } }),
};
/** Routes tested elsewhere: those that need Telegram (links.test.ts), survey links (test/links/survey-links.test.ts), business-settings.test.ts, staff-management.test.ts, test/staff/owner-language-spanish.test.ts (a person's language), and the operator's (businesses/live-businesses.test.ts). */
const elsewhere = ['POST /invitations', 'GET /links/telegram', 'POST /links', 'GET /links', 'GET /links/{code}', 'PATCH /links/{code}', 'DELETE /links/{code}', 'PATCH /business', 'GET /staff', 'DELETE /staff/{channel}/{address}', 'PATCH /staff/{channel}/{address}', 'POST /businesses', 'GET /businesses', 'GET /businesses/{id}', 'PATCH /businesses/{id}', 'DELETE /businesses/{id}'];

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('documents only /api/v1 routes, each with its problem responses', () => {
    const paths = Object.keys(doc.paths);
    expect(paths.length).toBeGreaterThan(5);
    for (const path of paths) {
      expect(path.startsWith('/api/v1/')).toBe(true);
      for (const op of Object.values(doc.paths[path]!)) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '401', '403', '429']));
    }
  });

  it('has every route exercised: a request to each answers 2xx', async () => {
    const { app } = server;
    const started = await v1(app, envKey, 'POST', '/surveys', { kind: 'csat', channel: 'web', address: visitor() });
    const survey = started.json().surveyId as string;
    const customer = (await app.store.surveys.byId(survey))!.customerId;
    const apiKey = (await app.store.apiKeys.create({ businessId: 'default', name: 'old', scopes: ['export'] })).id;
    const subscription = (await app.outboundWebhooks.subscribe('default', { url: 'https://hooks.example.com/other', events: ['survey.completed'] })).subscription.id;
    const ids = { survey, customer, apiKey, subscription };

    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace('/api/v1', '')}`));
    const untested = documented.filter((r) => !(r in examples) && !elsewhere.includes(r));
    expect(untested).toEqual([]);
    expect([...Object.keys(examples), ...elsewhere].sort()).toEqual([...documented].sort());
    for (const route of Object.keys(examples)) {
      const { path, payload } = examples[route]!(ids);
      const res = await v1(app, envKey, route.split(' ')[0] as 'GET', path, payload);
      expect(res.statusCode, `${route}: ${res.body}`).toBeLessThan(300);
    }
  });

  it('is browsable at /api/docs with assets served by the app', async () => {
    const { app } = server;
    const page = await app.inject({ method: 'GET', url: '/api/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const scripts = [...page.body.matchAll(/src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      expect(src).not.toMatch(/^(https?:)?\/\//);
      const asset = await app.inject({ method: 'GET', url: new URL(src, 'http://x/api/docs/').pathname });
      expect(asset.statusCode).toBe(200);
    }
  });
});
