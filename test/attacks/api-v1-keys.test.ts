/**
 * API v1 keys: missing, wrong, revoked, nearly right, without the route's scope, and of another
 * business, on every route of the OpenAPI document:
 *   api v1 keys: tried N, refused N                      (401, nothing written)
 *   api v1 keys without the scope: tried N, refused N    (403, nothing written)
 *   api v1 keys of another business: tried N, refused N  (404: the other business's data does not exist for it)
 */
import type { LightMyRequestResponse } from 'fastify';
import { createLink } from '../../src/links/survey-links.js';
import { deployment, operatorScope } from '../../src/store/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attack, type Attempt } from './attempts.js';
import { expectAllRefused, figure } from './figures.js';
import { secrets, startRig, type Rig } from './rig.js';

let rig: Rig;
const ids = { survey: '', customer: '', apiKey: '', subscription: '', link: '' };
const keys = { current: '', revoked: '', exportOnly: '', readOnly: '', otherBusiness: '' };
beforeAll(async () => {
  rig = await startRig({ env: { API_RATE_LIMIT: '1000000' } });
  const { app } = rig;
  const started = await app.inject({ method: 'POST', url: '/api/v1/surveys', headers: { 'x-api-key': secrets.apiKey }, payload: { kind: 'nps', channel: 'sms', address: '+14155554410' } });
  ids.survey = started.json().surveyId;
  ids.customer = (await app.store.surveys.byId(ids.survey))!.customerId;
  const all = ['surveys:read', 'surveys:write', 'export', 'admin'] as const;
  keys.current = (await app.store.apiKeys.create({ businessId: 'default', name: 'current', scopes: all })).key;
  const revoked = await app.store.apiKeys.create({ businessId: 'default', name: 'revoked', scopes: all });
  await app.store.apiKeys.revoke(revoked.id, 'default', app.now());
  keys.revoked = revoked.key;
  ids.apiKey = revoked.id;
  keys.exportOnly = (await app.store.apiKeys.create({ businessId: 'default', name: 'export', scopes: ['export'] })).key;
  keys.readOnly = (await app.store.apiKeys.create({ businessId: 'default', name: 'read', scopes: ['surveys:read'] })).key;
  ids.subscription = (await app.outboundWebhooks.subscribe('default', { url: 'https://hooks.example.com/first', events: ['survey.scored'] })).subscription.id;
  ids.link = (await createLink(app.store, 'default', { kind: 'nps', location: 'Main Street' }, app.now())).code;
  await app.store.businesses.save({ ...(await app.businesses.get('default'))!.settings, id: 'rival', name: 'Rival shop' });
  keys.otherBusiness = (await app.store.apiKeys.create({ businessId: 'rival', name: 'rival', scopes: all })).key;
});
afterAll(async () => rig?.close());

/** Every v1 route with a request that passes validation (ids of the first business), so only the key decides. */
const routes = (): Array<{ method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; body?: unknown; ofBusiness?: boolean; exportScope?: boolean; documented?: string; operator?: boolean }> => [
  { method: 'POST', url: '/api/v1/surveys', body: { kind: 'nps', channel: 'sms', address: '+14155554411' } },
  { method: 'GET', url: '/api/v1/surveys?limit=5' },
  { method: 'GET', url: `/api/v1/surveys/${ids.survey}`, ofBusiness: true },
  { method: 'GET', url: `/api/v1/customers/${ids.customer}`, ofBusiness: true },
  { method: 'PATCH', url: `/api/v1/customers/${ids.customer}`, body: { tags: ['x'] }, ofBusiness: true },
  { method: 'GET', url: '/api/v1/metrics' },
  { method: 'GET', url: '/api/v1/stats?period=7d' },
  { method: 'POST', url: '/api/v1/invitations', body: { kind: 'nps' } },
  { method: 'GET', url: '/api/v1/links/telegram?kind=nps' },
  { method: 'POST', url: '/api/v1/staff', body: { channel: 'sms', address: '+14155554412', role: 'owner' } },
  { method: 'GET', url: '/api/v1/staff' },
  { method: 'PATCH', url: '/api/v1/staff/sms/+14155554412', body: { locale: 'es' }, ofBusiness: true, documented: '/api/v1/staff/{channel}/{address}' },
  { method: 'DELETE', url: '/api/v1/staff/sms/+14155554412', ofBusiness: true, documented: '/api/v1/staff/{channel}/{address}' },
  { method: 'POST', url: '/api/v1/api-keys', body: { name: 'x', scopes: ['admin'] } },
  { method: 'GET', url: '/api/v1/api-keys' },
  { method: 'DELETE', url: `/api/v1/api-keys/${ids.apiKey}`, ofBusiness: true },
  { method: 'POST', url: '/api/v1/webhooks', body: { url: 'https://hooks.example.com/new', events: ['survey.completed'] } },
  { method: 'GET', url: '/api/v1/webhooks' },
  { method: 'GET', url: `/api/v1/webhooks/${ids.subscription}/deliveries`, ofBusiness: true },
  { method: 'DELETE', url: `/api/v1/webhooks/${ids.subscription}`, ofBusiness: true },
  { method: 'GET', url: '/api/v1/surveys/export?format=csv', exportScope: true },
  { method: 'GET', url: `/api/v1/customers/${ids.customer}/export`, ofBusiness: true, exportScope: true },
  { method: 'DELETE', url: `/api/v1/customers/${ids.customer}`, ofBusiness: true },
  { method: 'GET', url: '/api/v1/business' },
  { method: 'POST', url: '/api/v1/events', body: [{ type: 'refund', at: '2026-03-01', source: 'shop', sourceEventId: 'r1', customer: { externalId: 'x1' }, attributes: { amount: 4 } }] },
  { method: 'GET', url: `/api/v1/customers/${ids.customer}/timeline`, ofBusiness: true },
  { method: 'GET', url: '/api/v1/metrics/cohorts?kind=nps&by=tag&from=2026-01-05&to=2026-03-01' },
  { method: 'GET', url: '/api/v1/metrics/refused-answers?from=2026-01-05&to=2026-03-01' },
  { method: 'GET', url: '/api/v1/insights/drops?from=2026-01-01&to=2026-03-01' },
  { method: 'GET', url: '/api/v1/insights/themes?from=2026-01-01&to=2026-03-01' },
  { method: 'GET', url: '/api/v1/insights/segments?from=2026-01-01&to=2026-03-01' },
  { method: 'POST', url: '/api/v1/surveys/import', body: [{ sourceId: 'old-1', kind: 'nps', score: 9, answeredAt: '2026-02-01T10:00:00Z', customer: { externalId: 'x2' } }] },
  { method: 'PATCH', url: '/api/v1/business', body: { name: 'Renamed' } },
  { method: 'GET', url: '/api/v1/content/nps/en', documented: '/api/v1/content/{kind}/{locale}' },
  { method: 'PUT', url: '/api/v1/content/nps/en', body: { messages: { question: 'How likely are you to recommend {business}? Reply {min}-{max}.' } }, documented: '/api/v1/content/{kind}/{locale}' },
  { method: 'POST', url: '/api/v1/content/nps/en/preview', body: { messages: {} }, documented: '/api/v1/content/{kind}/{locale}/preview' },
  { method: 'POST', url: '/api/v1/links', body: { kind: 'csat', staff: 'Ana' } },
  { method: 'GET', url: '/api/v1/links' },
  { method: 'GET', url: `/api/v1/links/${ids.link}`, ofBusiness: true, documented: '/api/v1/links/{code}' },
  { method: 'PATCH', url: `/api/v1/links/${ids.link}`, body: { paused: true }, ofBusiness: true, documented: '/api/v1/links/{code}' },
  { method: 'DELETE', url: `/api/v1/links/${ids.link}`, ofBusiness: true, documented: '/api/v1/links/{code}' },
  // The deployment's routes: an operator key's only.
  { method: 'POST', url: '/api/v1/businesses', body: { id: 'newcomer', name: 'Newcomer' }, operator: true },
  { method: 'GET', url: '/api/v1/businesses', operator: true },
  { method: 'GET', url: '/api/v1/businesses/rival', operator: true, documented: '/api/v1/businesses/{id}' },
  { method: 'PATCH', url: '/api/v1/businesses/rival', body: { name: 'Taken over' }, operator: true, documented: '/api/v1/businesses/{id}' },
  { method: 'DELETE', url: '/api/v1/businesses/rival', operator: true, documented: '/api/v1/businesses/{id}' },
];

function request(route: ReturnType<typeof routes>[number], headers: Record<string, string>, query = ''): Promise<LightMyRequestResponse> {
  const url = route.url + (query ? `${route.url.includes('?') ? '&' : '?'}${query}` : '');
  return rig.app.inject({ method: route.method, url, headers: { ...(route.body ? { 'content-type': 'application/json' } : {}), ...headers }, ...(route.body ? { payload: JSON.stringify(route.body) } : {}) });
}

describe('api v1 keys', () => {
  it('cover every route of the OpenAPI document', async () => {
    const doc = (await rig.app.inject({ method: 'GET', url: '/api/docs/json' })).json() as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const covered = routes().map((r) => `${r.method} ${r.documented ?? r.url.split('?')[0]!.replace(/[a-f0-9]{24}/, '{id}')}`);
    expect([...covered].sort()).toEqual([...documented].sort());
  });

  it('are refused missing, wrong, revoked or nearly right (401)', async () => {
    const { current, revoked } = keys;
    const variants: Array<[string, Record<string, string>, string?]> = [
      ['no key', {}],
      ['an empty x-api-key', { 'x-api-key': '' }],
      ['a wrong key', { 'x-api-key': 'wrong-api-key-0123456789abcdef' }],
      ['a revoked key', { 'x-api-key': revoked }],
      ['a revoked key as a bearer token', { authorization: `Bearer ${revoked}` }],
      ['the key in upper case', { 'x-api-key': current.toUpperCase() }],
      ['the key less its last character', { 'x-api-key': current.slice(0, -1) }],
      ['the key with its last character changed', { 'x-api-key': current.slice(0, -1) + (current.endsWith('A') ? 'B' : 'A') }],
      ['the key and one more character', { 'x-api-key': `${current}0` }],
      ["the key's id with the revoked key's secret", { 'x-api-key': `${current.slice(0, 28)}${revoked.slice(28)}` }],
      ['the env key with a v1 prefix', { 'x-api-key': `sk_${secrets.apiKey}` }],
      ['the key as Basic credentials', { authorization: `Basic ${Buffer.from(`${current}:`).toString('base64')}` }],
      ['the key without a scheme', { authorization: current }],
      ['a wrong x-api-key beside the right bearer', { 'x-api-key': 'wrong-api-key-0123456789abcdef', authorization: `Bearer ${current}` }],
      ['the key in a cookie', { cookie: `api_key=${current}` }],
      ['the key in the query string', {}, `api_key=${current}`],
    ];
    const attempts: Attempt[] = routes().flatMap((route) =>
      variants.map(([name, headers, query]): Attempt => ({ name: `${route.method} ${route.url}: ${name}`, send: () => request(route, headers, query), check: (res) => res.headers['content-type'] === 'application/problem+json; charset=utf-8' })),
    );
    const { tried, refused, examples } = await attack(rig, attempts, [401]);
    expectAllRefused('api v1 keys', tried, refused, examples);
  }, 60_000); // about 400 requests: patience on a loaded machine

  it('are refused without the scope a route needs (403)', async () => {
    // A key with only the export scope, on every route that needs another one (and a read-only key on the exports).
    const attempts: Attempt[] = routes()
      .filter((route) => !route.exportScope)
      .map((route) => ({ name: `${route.method} ${route.url}`, send: () => request(route, { 'x-api-key': keys.exportOnly }) }));
    for (const route of routes().filter((r) => r.exportScope)) attempts.push({ name: `${route.method} ${route.url} (surveys:read)`, send: () => request(route, { 'x-api-key': keys.readOnly }) });
    const { tried, refused, examples } = await attack(rig, attempts, [403]);
    expectAllRefused('api v1 keys without the scope', tried, refused, examples);
  });

  it("of another business never reach the first business's data (404)", async () => {
    const attempts: Attempt[] = routes()
      .filter((r) => r.ofBusiness)
      .map((route) => ({ name: `${route.method} ${route.url}`, send: () => request(route, { 'x-api-key': keys.otherBusiness }) }));
    const listed = await request({ method: 'GET', url: `/api/v1/surveys?customerId=${ids.customer}` }, { 'x-api-key': keys.otherBusiness });
    attempts.push({ name: 'GET /api/v1/surveys?customerId=<theirs>', send: async () => listed, check: (res) => res.json().items.length === 0 });
    const { tried, refused, examples } = await attack(rig, attempts, [404, 200]);
    expectAllRefused('api v1 keys of another business', tried, refused, examples);
  });

  it("of a business (every scope) never reach the deployment's routes, nor an operator key a business's (403)", async () => {
    const operatorKey = (await rig.app.store.apiKeys.create({ businessId: deployment, name: 'operator', scopes: [operatorScope] })).key;
    const attempts: Attempt[] = routes().map((route) => ({
      name: `${route.method} ${route.url} (${route.operator ? 'business key' : 'operator key'})`,
      send: () => request(route, { 'x-api-key': route.operator ? keys.current : operatorKey }),
    }));
    const { tried, refused, examples } = await attack(rig, attempts, [403]);
    expectAllRefused('api v1 keys across the deployment and a business', tried, refused, examples);
    expect((await rig.app.store.businesses.get('rival'))?.name).toBe('Rival shop');
    expect(await rig.app.store.businesses.get('newcomer')).toBeUndefined();
  });

  it('let the current key through on every route (so the refusals are about the key)', async () => {
    const statuses = [];
    for (const route of routes().filter((r) => !r.operator)) statuses.push((await request(route, { 'x-api-key': keys.current })).statusCode);
    figure(`api v1 keys, the current key alongside: ${statuses.length} routes, accepted ${statuses.filter((s) => s !== 401 && s !== 403).length}`);
    expect(statuses.filter((s) => s === 401 || s === 403)).toEqual([]);
  });
});
