/**
 * The REST API's key: missing, wrong, revoked (the key before a rotation), and every way of nearly
 * presenting the right one, on every path of the first version (an alias of /api/v1):
 *   api keys: tried N, refused N
 * Refused means 401 and nothing written. Keys of another business and scopes are tried on /api/v1,
 * in api-v1-keys.test.ts.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deprecatedApiAlias } from '../../src/api/deprecated-alias.js';
import { attack, type Attempt } from './attempts.js';
import { expectAllRefused, figure } from './figures.js';
import { secrets, startRig, type Rig } from './rig.js';

const currentKey = 'rotated-api-key-4e9d2b7c1a08f365';
const revokedKey = secrets.apiKey;

let rig: Rig;
beforeAll(async () => {
  // A deployment whose key was rotated: the rig's usual key is the revoked one.
  rig = await startRig({ env: { API_KEY: currentKey } });
});
afterAll(async () => rig?.close());

/** Every path of the first version, with a request that passes validation, so only the key decides. */
const routes: Array<{ method: 'GET' | 'POST' | 'DELETE'; url: string; body?: unknown }> = [
  { method: 'POST', url: '/api/surveys', body: { kind: 'nps', channel: 'sms', address: '+14155554400' } },
  { method: 'GET', url: `/api/surveys/${'a'.repeat(24)}` },
  { method: 'GET', url: '/api/stats?period=7d' },
  { method: 'GET', url: '/api/export.csv' },
  { method: 'GET', url: '/api/export.jsonl' },
  { method: 'GET', url: `/api/customers/${'a'.repeat(24)}/export` },
  { method: 'DELETE', url: `/api/customers/${'a'.repeat(24)}` },
  { method: 'POST', url: '/api/staff', body: { channel: 'sms', address: '+14155554401', role: 'owner' } },
  { method: 'POST', url: '/api/invitations', body: { kind: 'nps' } },
  { method: 'GET', url: '/api/links/telegram?kind=nps' },
];

function request(route: (typeof routes)[number], headers: Record<string, string | string[]>, query = ''): Promise<LightMyRequestResponse> {
  const url = route.url + (query ? `${route.url.includes('?') ? '&' : '?'}${query}` : '');
  return rig.app.inject({
    method: route.method,
    url,
    headers: { ...(route.body ? { 'content-type': 'application/json' } : {}), ...headers } as Record<string, string>,
    ...(route.body ? { payload: JSON.stringify(route.body) } : {}),
  });
}

describe('api keys', () => {
  it('cover every path of the first version, each answered by a /api/v1 route, and no /api route of its own', () => {
    // printRoutes draws a tree, four columns a level: rebuild each full path from its parents.
    const parents: string[] = [];
    const all: string[] = [];
    for (const line of rig.app.printRoutes({ commonPrefix: false }).split('\n')) {
      const m = /── (\S+) \(([A-Z, ]+)\)/.exec(line);
      if (!m) continue;
      const depth = Math.floor(line.indexOf('── ') / 4);
      parents.length = depth;
      parents.push(m[1]!);
      for (const method of m[2]!.split(', ')) if (method !== 'HEAD') all.push(`${method} ${parents.join('')}`);
    }
    // /api/v1 and its documentation have their own key attacks (api-v1-keys.test.ts); Teams posts to /api/messages.
    const apiRoutes = all.filter((r) => / \/api\//.test(r) && !/ \/api\/(v1|docs)(\/|$)/.test(r));
    expect(apiRoutes).toEqual(['POST /api/messages']);
    const answering = routes.map((r) => `${r.method} ${deprecatedApiAlias(r.url).split('?')[0]!.replace('a'.repeat(24), ':id')}`);
    for (const route of answering) expect(all, route).toContain(route);
  });

  it('are refused missing, wrong, revoked or nearly right', async () => {
    const variants: Array<[string, Record<string, string | string[]>, string?]> = [
      ['no key', {}],
      ['an empty x-api-key', { 'x-api-key': '' }],
      ['a wrong key', { 'x-api-key': 'wrong-api-key-0123456789abcdef' }],
      ['the revoked key', { 'x-api-key': revokedKey }],
      ['the revoked key as a bearer token', { authorization: `Bearer ${revokedKey}` }],
      ['the key in upper case', { 'x-api-key': currentKey.toUpperCase() }],
      ['the key less its last character', { 'x-api-key': currentKey.slice(0, -1) }],
      ['the key and one more character', { 'x-api-key': `${currentKey}0` }],
      ['the key twice', { 'x-api-key': currentKey + currentKey }],
      ['the key with a space inside', { 'x-api-key': `${currentKey.slice(0, 8)} ${currentKey.slice(8)}` }],
      ['the key as Basic credentials', { authorization: `Basic ${Buffer.from(`${currentKey}:`).toString('base64')}` }],
      ['the key without a scheme', { authorization: currentKey }],
      ['the key after another scheme', { authorization: `Token ${currentKey}` }],
      ['an empty bearer', { authorization: 'Bearer ' }],
      ['a wrong x-api-key beside the right bearer', { 'x-api-key': 'wrong-api-key-0123456789abcdef', authorization: `Bearer ${currentKey}` }],
      ['the key in a cookie', { cookie: `api_key=${currentKey}` }],
      ['the key in the query string', {}, `api_key=${currentKey}`],
      ['the key under another header name', { 'x-api-token': currentKey }],
    ];
    const attempts: Attempt[] = routes.flatMap((route) =>
      variants.map(([name, headers, query]): Attempt => ({ name: `${route.method} ${route.url}: ${name}`, send: () => request(route, headers, query) })),
    );
    const { tried, refused, examples } = await attack(rig, attempts, [401]);
    expectAllRefused('api keys', tried, refused, examples);
    figure('api keys of another business and scopes: tried on /api/v1 (api-v1-keys.test.ts), which answers these paths');
  });

  it('let the current key through on every route (so the refusals are about the key)', async () => {
    const statuses = [];
    for (const route of routes) statuses.push((await request(route, { 'x-api-key': currentKey })).statusCode);
    figure(`api keys, the current key alongside: ${routes.length} routes, accepted ${statuses.filter((s) => s !== 401).length}`);
    expect(statuses.filter((s) => s === 401)).toEqual([]);
  });
});
