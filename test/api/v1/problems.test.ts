import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../helpers/build.js';
import { buildV1Server, envKey, v1 } from './v1-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await buildV1Server();
});
afterAll(() => server?.close());

const problemKeys = ['detail', 'instance', 'status', 'title', 'type'];

/** Every refusal under /api/v1 is RFC 9457 problem details with its status. */
async function expectProblem(res: { statusCode: number; headers: Record<string, unknown>; json(): Record<string, unknown> }, status: number, type: string) {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  const body = res.json();
  expect(Object.keys(body).filter((k) => k !== 'errors').sort()).toEqual(problemKeys);
  expect(body).toMatchObject({ status, type: `urn:survey-bot:problem:${type}`, title: expect.any(String), detail: expect.any(String) });
  return body;
}

describe('problem details under /api/v1', () => {
  it('malformed JSON is a 400', async () => {
    const res = await v1(server.app, envKey, 'POST', '/surveys', '{"kind": "nps",', { 'content-type': 'application/json' });
    const body = await expectProblem(res, 400, 'invalid-request');
    expect(body.detail).toMatch(/^The body is not valid JSON/);
    expect(body.instance).toBe('/api/v1/surveys');
  });

  it('a wrong content type is a 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await v1(server.app, envKey, 'PATCH', `/customers/${'a'.repeat(24)}`, 'tags=vip', { 'content-type': type });
      await expectProblem(res, 415, 'unsupported-media-type');
    }
  });

  it('a body over the limit is a 413', async () => {
    const res = await v1(server.app, envKey, 'POST', '/surveys', JSON.stringify({ kind: 'nps', channel: 'web', address: 'v_a', context: 'x'.repeat(1_100_000) }), { 'content-type': 'application/json' });
    await expectProblem(res, 413, 'payload-too-large');
  });

  it('an unknown route is a 404, with or without a key', async () => {
    for (const key of [envKey, undefined]) {
      const body = await expectProblem(await v1(server.app, key, 'GET', '/nothing/here?x=1'), 404, 'not-found');
      expect(body.instance).toBe('/api/v1/nothing/here');
    }
  });

  it('a known path asked with another method is a 405 naming the methods it takes, before any body is read', async () => {
    for (const key of [envKey, undefined]) {
      const put = await v1(server.app, key, 'PUT', '/surveys', '{not json', { 'content-type': 'application/json' });
      expect((await expectProblem(put, 405, 'method-not-allowed')).detail).toBe('PUT is not allowed here; use GET, HEAD, POST');
      expect(put.headers.allow).toBe('GET, HEAD, POST');
    }
    const byId = await v1(server.app, envKey, 'DELETE', '/surveys/6f0000000000000000000000');
    await expectProblem(byId, 405, 'method-not-allowed');
    expect(byId.headers.allow).toBe('GET, HEAD');
    // A static path wins over a parametric one, as in the router: /surveys/export is not /surveys/:id.
    expect((await v1(server.app, envKey, 'POST', '/surveys/export')).headers.allow).toBe('GET, HEAD');
    expect((await v1(server.app, envKey, 'TRACE', '/customers/6f0000000000000000000000/export')).headers.allow).toBe('GET, HEAD');
  });

  it('an id of any length reaches its route (404), and a URL Fastify cannot read is problem details too', async () => {
    const long = await v1(server.app, envKey, 'GET', `/surveys/${'a'.repeat(500)}`);
    await expectProblem(long, 404, 'not-found');
    const bad = await v1(server.app, envKey, 'GET', '/surveys/%E0%A4%A');
    await expectProblem(bad, 400, 'invalid-request');
  });

  it('a validation error lists each wrong field', async () => {
    const res = await v1(server.app, envKey, 'PATCH', `/customers/${'a'.repeat(24)}`, { tags: ['ok', 'x'.repeat(51)], colour: 'red' });
    const body = await expectProblem(res, 400, 'invalid-request');
    expect(body.errors).toEqual(expect.arrayContaining([{ field: 'tags.1', message: expect.any(String) }, { field: 'colour', message: 'unknown field' }]));
  });

  it('a failure inside is a 500 that tells nothing of it', async () => {
    const { app } = server;
    const page = app.store.surveys.page.bind(app.store.surveys);
    app.store.surveys.page = async () => {
      throw new Error('secret internals');
    };
    try {
      const body = await expectProblem(await v1(app, envKey, 'GET', '/surveys'), 500, 'internal-error');
      expect(JSON.stringify(body)).not.toContain('secret internals');
    } finally {
      app.store.surveys.page = page;
    }
  });

  it("leaves the error shape of the rest of the app as it was; the first version's paths answer as v1", async () => {
    const { app } = server;
    const old = await app.inject({ method: 'GET', url: '/api/stats' });
    expect(old.statusCode).toBe(401);
    expect(old.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(old.json()).toMatchObject({ status: 401, title: expect.any(String) });
    const missing = await app.inject({ method: 'GET', url: '/nothing' });
    expect(missing.headers['content-type']).toMatch(/^application\/json/);
  });
});
