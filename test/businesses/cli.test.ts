import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import mongoose from 'mongoose';
import { databaseUri, uniqueDbName } from '../helpers/database.js';

/** `npm run business -- …` as a user runs it: a child process on the test database. */
describe('the business command line', () => {
  const dbName = uniqueDbName('cli');
  const uri = `${databaseUri().replace(/\/+$/, '')}/${dbName}`;
  const secretsKey = 'cd'.repeat(32);
  const run = (...args: string[]) => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/business.ts', ...args], {
      env: { PATH: process.env.PATH, MONGODB_URI: uri, SECRETS_KEY: secretsKey, LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: result.status, out: result.stdout + result.stderr };
  };
  afterAll(async () => {
    const conn = await mongoose.createConnection(uri).asPromise();
    await conn.dropDatabase().catch(() => {});
    await conn.close();
  });

  it('adds a business with its own bot, lists it without secrets, changes it, and refuses bad input', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'business-'));
    const channels = path.join(dir, 'acme.json');
    const token = '555000333:AAG-cli-business-bot-token-value';
    await writeFile(channels, JSON.stringify({ telegram: { token, webhookSecret: 'cli-business-webhook-secret' } }));

    const added = run('add', '--id', 'acme', '--name', 'Acme Bakery', '--time-zone', 'Europe/Madrid', '--locale', 'es', '--country', 'ES', '--channels', channels);
    expect(added.code, added.out).toBe(0);
    expect(added.out).toContain('acme: Acme Bakery');
    expect(added.out).toContain('channels: telegram, at /b/acme/');
    expect(added.out).not.toContain(token);

    const changed = run('set', '--id', 'acme', '--name', 'Acme Bakery & Co', '--send-window', '10:00-18:00');
    expect(changed.code, changed.out).toBe(0);
    expect(changed.out).toContain('send window 10:00-18:00');
    expect(changed.out).toContain('channels: telegram'); // identities kept when not given again

    const listed = run('list');
    expect(listed.out).toContain('acme: Acme Bakery & Co');
    expect(listed.out).toContain('time zone Europe/Madrid, locale es');

    const bad = run('add', '--id', 'bad id!', '--name', 'X', '--time-zone', 'Mars/Olympus');
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/id: 1-32 letters/);
    expect(bad.out).toMatch(/timeZone: an IANA time zone/);
    expect(run('add', '--id', 'acme', '--name', 'Again').code).toBe(1);
    expect(run('frobnicate').code).toBe(2);

    // A provider endpoint is the deployment's, never a business's: refused with the reason, nothing stored.
    const redirect = path.join(dir, 'redirect.json');
    await writeFile(redirect, JSON.stringify({ telegram: { token, webhookSecret: 'cli-business-webhook-secret', apiRoot: 'http://169.254.169.254/latest/' } }));
    const seam = run('add', '--id', 'seam', '--name', 'Seam', '--channels', redirect);
    expect(seam.code).toBe(1);
    expect(seam.out).toMatch(/channels\.telegram\.apiRoot: apiRoot is not a business setting: provider endpoints belong to the deployment \(TELEGRAM_API_ROOT\)/);
    expect(run('show', 'seam').code).toBe(1);

    const conn = await mongoose.createConnection(uri).asPromise();
    const stored = JSON.stringify(await conn.db!.collection('businesses').find({}).toArray());
    await conn.close();
    expect(stored).toContain('Acme Bakery & Co');
    expect(stored).not.toContain(token);
  }, 120_000);
});
