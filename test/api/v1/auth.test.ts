import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../helpers/clock.js';
import type { TestServer } from '../../helpers/build.js';
import { buildV1Server, envKey, makeKey, secondBusiness, v1 } from './v1-server.js';

const clock = new TestClock('2026-03-10T15:00:00Z');
let server: TestServer;
beforeAll(async () => {
  server = await buildV1Server({}, clock);
  secondBusiness(server.app);
});
afterAll(() => server?.close());

describe('API keys', () => {
  it('refuses a missing, wrong or malformed key with 401 problem details', async () => {
    const { app } = server;
    const real = await makeKey(app, 'default', ['surveys:read']);
    const forged = `${real.slice(0, -4)}AAAA`;
    for (const key of [undefined, 'nope', `${envKey}x`, forged, real.replace('sk_', 'pk_')]) {
      const res = await v1(app, key, 'GET', '/stats');
      expect(res.statusCode, String(key)).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toEqual({ type: 'urn:survey-bot:problem:unauthorized', title: 'Unauthorized', status: 401, detail: expect.stringMatching(/API key/), instance: '/api/v1/stats' });
    }
  });

  it('takes API_KEY as a key of the first business with every scope, as x-api-key or Bearer', async () => {
    const { app } = server;
    expect((await v1(app, envKey, 'GET', '/api-keys')).statusCode).toBe(200);
    expect((await v1(app, undefined, 'GET', '/api-keys', undefined, { authorization: `Bearer ${envKey}` })).statusCode).toBe(200);
  });

  it('answers 403 for a key without the scope a route needs', async () => {
    const { app } = server;
    const exportOnly = await makeKey(app, 'default', ['export']);
    for (const [method, path] of [['GET', '/stats'], ['GET', '/api-keys'], ['POST', '/staff']] as const) {
      const res = await v1(app, exportOnly, method, path, method === 'POST' ? { channel: 'web', address: 'v_abc' } : undefined);
      expect(res.statusCode, path).toBe(403);
      expect(res.json()).toMatchObject({ type: 'urn:survey-bot:problem:forbidden', status: 403 });
    }
  });

  it('are made, listed and revoked by an admin key; the key is shown once and stored only hashed', async () => {
    const { app } = server;
    const made = await v1(app, envKey, 'POST', '/api-keys', { name: 'CRM', scopes: ['surveys:read', 'surveys:write'] });
    expect(made.statusCode).toBe(201);
    const { key, id } = made.json() as { key: string; id: string };
    expect(key).toMatch(new RegExp(`^sk_${id}_[A-Za-z0-9_-]{43}$`));
    expect(made.json()).toMatchObject({ name: 'CRM', scopes: ['surveys:read', 'surveys:write'], revokedAt: null, lastUsedAt: null });
    const stored = await app.store.apiKeys.model.findById(id).lean<Record<string, unknown>>();
    expect(stored?.hash).toMatch(/^[a-f0-9]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(key.slice(30));

    const listed = await v1(app, envKey, 'GET', '/api-keys');
    expect(listed.json().items[0]).toMatchObject({ id, name: 'CRM' });
    expect(listed.body).not.toContain(key.slice(30));
    expect(listed.body).not.toContain('hash');

    expect((await v1(app, key, 'GET', '/stats')).statusCode).toBe(200);
    const revoked = await v1(app, envKey, 'DELETE', `/api-keys/${id}`);
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().revokedAt).toBe(clock.now().toISOString());
    const after = await v1(app, key, 'GET', '/stats');
    expect(after.statusCode).toBe(401);
    expect((await v1(app, envKey, 'DELETE', '/api-keys/6f0000000000000000000000')).statusCode).toBe(404);
  });

  it("cannot list or revoke another business's keys", async () => {
    const { app } = server;
    const theirs = await app.store.apiKeys.create({ businessId: 'second', name: 'theirs', scopes: ['admin'] });
    const ids = (await v1(app, envKey, 'GET', '/api-keys')).json().items.map((k: { id: string }) => k.id);
    expect(ids).not.toContain(theirs.id);
    expect((await v1(app, envKey, 'DELETE', `/api-keys/${theirs.id}`)).statusCode).toBe(404);
    expect((await v1(app, theirs.key, 'GET', '/api-keys')).json().items.map((k: { id: string }) => k.id)).toEqual([theirs.id]);
  });

  it('refuses a new key with an unknown scope, naming the field', async () => {
    const res = await v1(server.app, envKey, 'POST', '/api-keys', { name: 'x', scopes: ['root'] });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ field: 'scopes.0', message: expect.any(String) }]);
  });

  it('records lastUsedAt without a write on every request', async () => {
    const { app } = server;
    const made = await app.store.apiKeys.create({ businessId: 'default', name: 'usage', scopes: ['surveys:read'] });
    const lastUsed = async () => ((await app.store.apiKeys.list('default')).find((k) => k.id === made.id)?.lastUsedAt ?? null);
    let writes = 0;
    const touch = app.store.apiKeys.touch.bind(app.store.apiKeys);
    app.store.apiKeys.touch = async (id, at) => {
      writes++;
      await touch(id, at);
    };
    try {
      for (let i = 0; i < 5; i++) expect((await v1(app, made.key, 'GET', '/stats')).statusCode).toBe(200);
      await expect.poll(lastUsed).toEqual(clock.now());
      expect(writes).toBe(1);
      clock.advance(61_000);
      expect((await v1(app, made.key, 'GET', '/stats')).statusCode).toBe(200);
      await expect.poll(lastUsed).toEqual(clock.now());
      expect(writes).toBe(2);
    } finally {
      app.store.apiKeys.touch = touch;
    }
  });
});

describe('a revoked key', () => {
  it('is refused and its lastUsedAt stays when it was last used, cached or not', async () => {
    const clock = new TestClock('2026-03-10T15:00:00Z');
    const server = await buildV1Server({}, clock);
    try {
      const { app } = server;
      const made = await v1(app, envKey, 'POST', '/api-keys', { name: 'leaked', scopes: ['surveys:read'] });
      const { key, id } = made.json() as { key: string; id: string };
      const lastUsed = async () => (await v1(app, envKey, 'GET', '/api-keys')).json().items.find((k: { id: string }) => k.id === id).lastUsedAt as string | null;
      expect((await v1(app, key, 'GET', '/stats')).statusCode).toBe(200);
      await expect.poll(lastUsed).toBe(clock.now().toISOString());
      const usedAt = clock.now().toISOString();
      expect((await v1(app, envKey, 'DELETE', `/api-keys/${id}`)).statusCode).toBe(200);
      clock.advance(61_000);
      // The first call reads the revoked record and caches it; the next ones are answered from the cache.
      for (let i = 0; i < 3; i++) expect((await v1(app, key, 'GET', '/stats')).statusCode).toBe(401);
      // Another instance that still holds the key as valid writes nothing to the revoked record either.
      await app.store.apiKeys.touch(id, clock.now());
      await new Promise((resolve) => setTimeout(resolve, 200)); // a background write would have landed
      expect(await lastUsed()).toBe(usedAt);
    } finally {
      await server.close();
    }
  });
});

describe('rate limit', () => {
  it('answers 429 problem details with Retry-After once a key used its minute, per key and per address', async () => {
    const limited = await buildV1Server({ API_RATE_LIMIT: '3' });
    try {
      const { app } = limited;
      const a = await makeKey(app, 'default', ['surveys:read']);
      const b = await makeKey(app, 'default', ['surveys:read']);
      for (let i = 0; i < 3; i++) expect((await v1(app, a, 'GET', '/stats')).statusCode).toBe(200);
      const over = await v1(app, a, 'GET', '/stats');
      expect(over.statusCode).toBe(429);
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
      expect(over.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(over.json()).toMatchObject({ type: 'urn:survey-bot:problem:rate-limited', title: 'Too Many Requests', status: 429 });
      expect((await v1(app, b, 'GET', '/stats')).statusCode).toBe(200);
      // Callers without a valid key are counted by address: guessing keys is limited too.
      for (let i = 0; i < 3; i++) expect((await v1(app, 'guess', 'GET', '/stats')).statusCode).toBe(401);
      expect((await v1(app, 'guess', 'GET', '/stats')).statusCode).toBe(429);
    } finally {
      await limited.close();
    }
  });
});
