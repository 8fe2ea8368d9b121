import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedDatabase, freePort } from '../src/store/embedded-database.js';
import { buildTestServer } from './helpers/build.js';

describe('health', () => {
  it('answers /healthz and /readyz on a live database', async () => {
    const server = await buildTestServer();
    try {
      expect((await server.app.inject('/healthz')).json()).toEqual({ status: 'ok' });
      const ready = await server.app.inject('/readyz');
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ready' });
    } finally {
      await server.close();
    }
  });
});

describe('readiness through a database outage', () => {
  const stops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  it('answers 503 within 2 s while the database is down and 200 once it is back', async () => {
    // Its own database server, so stopping it does not disturb the other test files.
    const port = await freePort();
    const options = { cacheDir: process.env.FERRETDB_CACHE_DIR ?? path.resolve('.cache'), port, dataDir: undefined };
    const first = await startEmbeddedDatabase(options);
    const server = await buildTestServer({ MONGODB_URI: first.uri }, { dbName: 'readiness' });
    stops.push(() => server.app.close());
    expect((await server.app.inject('/readyz')).statusCode).toBe(200);

    await first.stop();
    const started = Date.now();
    const down = await server.app.inject('/readyz');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(down.statusCode).toBe(503);
    expect(down.json().reason).toMatch(/^database: /);

    const second = await startEmbeddedDatabase(options);
    stops.push(() => second.stop());
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await server.app.inject('/readyz')).statusCode;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
  }, 60_000);
});
