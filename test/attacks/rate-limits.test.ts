/**
 * Limits that a client cannot walk around: every unauthenticated endpoint answers 429 after its
 * per-address limit, however the client rotates X-Forwarded-For (believed only from a configured
 * proxy).
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { figure } from './figures.js';
import { startRig, type Rig } from './rig.js';

let rig: Rig;
let behindProxy: Rig;
/** The product's defaults (the test helpers raise them for every other test). */
const limits = { RATE_LIMIT: '300', SIGN_IN_RATE_LIMIT: '10', API_RATE_LIMIT: '300' };

beforeAll(async () => {
  rig = await startRig({ env: limits, logLevel: 'silent' });
  behindProxy = await startRig({ env: { ...limits, TRUST_PROXY: '1' }, beside: rig, logLevel: 'silent' });
});
afterAll(async () => {
  await behindProxy?.close();
  await rig?.close();
});

let n = 0;
/** A different forged client address on every request. */
const forged = () => `198.51.${(++n >> 8) & 255}.${n & 255}`;
const token = () => `t${String(n).padStart(30, 'x')}`;

type Send = (rig: Rig, xff: string, from: string) => Promise<LightMyRequestResponse>;
const endpoints: Array<[string, Send]> = [
  ['GET /dashboard/login/:token', (r, xff, from) => r.app.inject({ method: 'GET', url: `/dashboard/login/${token()}`, remoteAddress: from, headers: { 'x-forwarded-for': xff } })],
  ['POST /dashboard/login', (r, xff, from) => r.app.inject({ method: 'POST', url: '/dashboard/login', remoteAddress: from, headers: { 'x-forwarded-for': xff }, payload: { token: token() } })],
  ['GET /dashboard', (r, xff, from) => r.app.inject({ method: 'GET', url: '/dashboard', remoteAddress: from, headers: { 'x-forwarded-for': xff } })],
  ['GET /api/stats (deprecated, wrong key)', (r, xff, from) => r.app.inject({ method: 'GET', url: '/api/stats', remoteAddress: from, headers: { 'x-forwarded-for': xff, 'x-api-key': `wrong-${n}-0123456789abcdef` } })],
  ['GET /api/v1/stats (wrong key)', (r, xff, from) => r.app.inject({ method: 'GET', url: '/api/v1/stats', remoteAddress: from, headers: { 'x-forwarded-for': xff, 'x-api-key': `sk_${n}_wrong` } })],
  ['POST /chat/api/visitors', (r, xff, from) => r.app.inject({ method: 'POST', url: '/chat/api/visitors', remoteAddress: from, headers: { 'x-forwarded-for': xff }, payload: { kind: 'nps' } })],
  ['GET /chat/api/visitors/:id/messages', (r, xff, from) => r.app.inject({ method: 'GET', url: `/chat/api/visitors/v_${'0'.repeat(31)}${n % 10}/messages`, remoteAddress: from, headers: { 'x-forwarded-for': xff } })],
  ['GET /chat', (r, xff, from) => r.app.inject({ method: 'GET', url: '/chat', remoteAddress: from, headers: { 'x-forwarded-for': xff } })],
  ['GET /api/docs/json', (r, xff, from) => r.app.inject({ method: 'GET', url: '/api/docs/json', remoteAddress: from, headers: { 'x-forwarded-for': xff } })],
  ['GET /no-such-page (404)', (r, xff, from) => r.app.inject({ method: 'GET', url: `/no-such-page-${n}`, remoteAddress: from, headers: { 'x-forwarded-for': xff } })],
  ['GET /healthz', (r, xff, from) => r.app.inject({ method: 'GET', url: '/healthz', remoteAddress: from, headers: { 'x-forwarded-for': xff } })],
  ['GET /readyz', (r, xff, from) => r.app.inject({ method: 'GET', url: '/readyz', remoteAddress: from, headers: { 'x-forwarded-for': xff } })],
];

/** Up to `tries` requests; how many went before the first 429 (undefined: never limited). */
async function firstLimited(send: () => Promise<LightMyRequestResponse>, tries: number): Promise<number | undefined> {
  for (let i = 0; i < tries; i++) {
    const res = await send();
    if (res.statusCode === 429) {
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      return i;
    }
  }
  return undefined;
}

describe('rate limits', () => {
  it('unauthenticated endpoints under a rotating X-Forwarded-For: all limited', { timeout: 240_000 }, async () => {
    const unlimited: string[] = [];
    // Each endpoint from its own client address, so each is seen with a budget of its own.
    for (const [i, [name, send]] of endpoints.entries()) {
      const at = await firstLimited(() => send(rig, forged(), `192.0.2.${i + 1}`), 330);
      if (at === undefined) unlimited.push(name);
      else figure(`  ${name}: 429 after ${at} requests`);
    }
    figure(`unauthenticated endpoints under a rotating X-Forwarded-For: tried ${endpoints.length}, limited ${endpoints.length - unlimited.length}`);
    expect(unlimited).toEqual([]);
  });

  it('sign-in links: at most SIGN_IN_RATE_LIMIT guesses a minute per address', async () => {
    const fresh = await startRig({ env: limits, beside: rig, logLevel: 'silent' });
    try {
      expect(await firstLimited(() => fresh.app.inject({ method: 'POST', url: '/dashboard/login', payload: { token: token() } }), 50)).toBe(10);
    } finally {
      await fresh.close();
    }
  });

  it('behind a configured proxy, the address it saw counts, not what the client wrote', async () => {
    // One hop trusted: the proxy appends the address it saw; what the client wrote is to its left.
    const client = '203.0.113.7';
    const at = await firstLimited(() => behindProxy.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-forwarded-for': `${forged()}, ${client}` } }), 330);
    expect(at).toBe(300);
    // Another client behind the same proxy has its own count.
    expect((await behindProxy.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-forwarded-for': '203.0.113.8' } })).statusCode).toBe(200);
  });

  it('TRUST_PROXY takes hops or proxy addresses, never every sender', () => {
    const trust = (v: string) => loadConfig({ MONGODB_URI: 'mongodb://x/db', TRUST_PROXY: v }).trustProxy;
    expect(loadConfig({ MONGODB_URI: 'mongodb://x/db' }).trustProxy).toBe(false);
    expect(trust('2')).toBe(2);
    expect(trust('10.0.0.0/8, loopback,192.0.2.10')).toEqual(['10.0.0.0/8', 'loopback', '192.0.2.10']);
    for (const bad of ['true', 'yes', '10.0.0.0/99', 'proxy.example.com']) expect(() => trust(bad), bad).toThrow(/TRUST_PROXY/);
  });
});
