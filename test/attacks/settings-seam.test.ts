/**
 * Provider endpoints smuggled in as a business's settings: a Twilio base URL or a Bot API root would
 * send that business's credentials wherever it points. Through the API and the command line, both
 * fields, internal and cloud-metadata addresses:
 *   settings seam: tried N, refused N     (400 / exit 1 with the reason, nothing stored)
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUri } from '../helpers/database.js';
import { expectAllRefused } from './figures.js';
import { secrets, startRig, type Rig } from './rig.js';

const secretsKey = 'ef'.repeat(32);
let rig: Rig;
let adminKey = '';
beforeAll(async () => {
  rig = await startRig({ env: { SECRETS_KEY: secretsKey } });
  await rig.app.store.businesses.save({ ...(await rig.app.businesses.get('default'))!.settings, id: 'seam', name: 'Seam shop' });
  // Stored behind the server's back, as the command line stores it: served (its keys too) from the directory's next refresh.
  await rig.app.businesses.refresh();
  adminKey = (await rig.app.store.apiKeys.create({ businessId: 'seam', name: 'admin', scopes: ['admin'] })).key;
});
afterAll(async () => rig?.close());

const addresses = ['http://169.254.169.254/latest/', 'http://[fd00:ec2::254]/', 'http://metadata.google.internal/computeMetadata/v1/', 'http://127.0.0.1:6379/', 'http://0xA9FEA9FE/', 'https://attacker.example/'];
const sms = { accountSid: `AC${'4'.repeat(32)}`, authToken: 'seam-twilio-auth-token', from: '+15005550009' };
const telegram = { token: '555000444:AAG-seam-business-bot-token-x', webhookSecret: 'seam-business-webhook-secret' };
/** Both fields, as given, as the only change, and next to a valid identity of the other channel. */
const bodies = (url: string) => [
  { sms: { ...sms, apiBaseUrl: url } },
  { telegram: { ...telegram, apiRoot: url } },
  { sms: { ...sms, apiBaseUrl: url }, telegram },
  { sms, telegram: { ...telegram, apiRoot: url } },
];
const reason = /(apiBaseUrl|apiRoot) is not a business setting: provider endpoints belong to the deployment/;

describe('settings seam', () => {
  it('refuses every provider endpoint as a business setting, through the API and the command line', async () => {
    const { app } = rig;
    const before = await app.store.businesses.sealedChannels('seam');
    let tried = 0;
    let refused = 0;
    const examples: string[] = [];
    for (const url of addresses) {
      for (const channels of bodies(url)) {
        // The business's own admin key, and the first business's key (the environment's business).
        for (const [key, business] of [[adminKey, 'seam'], [undefined, 'default']] as const) {
          tried++;
          const res = await app.inject({ method: 'PATCH', url: '/api/v1/business', headers: { 'x-api-key': key ?? secrets.apiKey, 'content-type': 'application/json' }, payload: JSON.stringify({ channels }) });
          if (res.statusCode === 400 && reason.test(res.body)) refused++;
          else examples.push(`api ${business} ${url} → ${res.statusCode}`);
        }
      }
    }
    // The command line: one child process per try, so a handful.
    const dir = await mkdtemp(path.join(tmpdir(), 'seam-'));
    const uri = `${databaseUri().replace(/\/+$/, '')}/${rig.dbName}`;
    const cli = [
      ['set', { sms: { ...sms, apiBaseUrl: addresses[0] } }],
      ['set', { telegram: { ...telegram, apiRoot: addresses[2] } }],
      ['add', { sms: { ...sms, apiBaseUrl: addresses[3] }, telegram }],
      ['add', { telegram: { ...telegram, apiRoot: addresses[4] } }],
    ] as const;
    for (const [i, [command, channels]] of cli.entries()) {
      tried++;
      const file = path.join(dir, `channels-${i}.json`);
      await writeFile(file, JSON.stringify(channels));
      const args = command === 'set' ? ['set', '--id', 'seam'] : ['add', '--id', `seam${i}`, '--name', 'Seam'];
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/business.ts', ...args, '--channels', file], {
        env: { PATH: process.env.PATH, MONGODB_URI: uri, SECRETS_KEY: secretsKey, LOG_LEVEL: 'silent' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      const out = run.stdout + run.stderr;
      if (run.status === 1 && reason.test(out)) refused++;
      else examples.push(`cli ${command} → exit ${run.status}: ${out.slice(0, 120)}`);
    }
    expectAllRefused('settings seam', tried, refused, examples);
    expect(await app.store.businesses.sealedChannels('seam')).toBe(before);
    expect((await app.store.businesses.list()).map((b) => b.id).sort()).toEqual(['default', 'seam']);
  }, 180_000);
});
