import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUri } from '../helpers/database.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';

/** `npm run api-key`: the first key, made on the server's database before anyone can call the API. */
let server: TestServer;
let uri: string;
beforeAll(async () => {
  server = await buildTestServer({ SWEEP_INTERVAL: '0' });
  uri = `${databaseUri().replace(/\/$/, '')}/${server.dbName}`;
});
afterAll(() => server?.close());

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/api-key.ts', ...args], { env: { PATH: process.env.PATH, MONGODB_URI: uri, LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 });

describe('api-key command', () => {
  it('creates a key that the API takes, shown once and stored hashed', async () => {
    const made = cli('create', '--business', 'default', '--scopes', 'surveys:read,surveys:write', '--name', 'CRM');
    expect(made.stderr).toMatch(/^API key [a-f0-9]{24} for business default \(surveys:read, surveys:write\), shown this once:/);
    expect(made.status).toBe(0);
    const key = made.stdout.trim();
    expect(key).toMatch(/^sk_[a-f0-9]{24}_[A-Za-z0-9_-]{43}$/);
    const stored = await server.app.store.apiKeys.model.findOne({}).lean<Record<string, unknown>>();
    expect(JSON.stringify(stored)).not.toContain(key.replace(/^sk_[a-f0-9]{24}_/, ''));
    const res = await server.app.inject({ method: 'GET', url: '/api/v1/stats', headers: { authorization: `Bearer ${key}` } });
    expect(res.statusCode).toBe(200);

    const listed = cli('list', '--business', 'default');
    expect(listed.stdout).toMatch(/\tCRM\tsurveys:read,surveys:write\t.*\tactive\n$/);
    const id = key.split('_')[1]!;
    expect(cli('revoke', '--business', 'default', '--id', id).status).toBe(0);
    expect(cli('list', '--business', 'default').stdout).toMatch(/\trevoked /);
  });

  it('refuses a wrong scope, a missing name or an unknown business with the usage', () => {
    for (const args of [['create', '--scopes', 'surveys:read,everything', '--name', 'x'], ['create', '--scopes', 'admin'], ['create', '--business', 'nobody', '--scopes', 'admin', '--name', 'x'], ['launch']]) {
      const res = cli(...args);
      expect(res.status, args.join(' ')).toBe(2);
      expect(res.stderr).toMatch(/usage: npm run api-key/);
      expect(res.stdout).toBe('');
    }
  });
});
