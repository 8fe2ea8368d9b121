/**
 * Whoever reads the log must not find a way in: a dashboard sign-in link's token (good for 15
 * minutes) and API keys sent in a query string are redacted from every line, at the production log
 * level and below. A link preview (a GET of the link) does not spend the link; the button's POST does.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { say, visitor } from '../staff/web-chat.js';
import { figure } from './figures.js';
import { secrets, startRig, type Rig } from './rig.js';

const owner = visitor();
let rig: Rig;

beforeAll(async () => {
  rig = await startRig({ env: { OWNER_ADDRESSES: `web:${owner}` }, logLevel: 'info' });
});
afterAll(async () => {
  await rig?.close();
});

it('tokens and keys in the log: 0, and a link preview does not spend the sign-in link', async () => {
  const { app } = rig;
  const link = (await say(app, owner, '/dashboard')).join('\n').match(/\/dashboard\/login\/([A-Za-z0-9_-]+)/);
  expect(link, 'the owner gets a sign-in link').not.toBeNull();
  const token = link![1]!;

  // A chat app's preview opens the link: a page with a button, nothing spent.
  for (let i = 0; i < 2; i++) {
    const preview = await app.inject({ method: 'GET', url: `/dashboard/login/${token}` });
    expect(preview.statusCode).toBe(200);
    expect(preview.headers['set-cookie']).toBeUndefined();
    expect(preview.body).toMatch(/<form method="post" action="\/dashboard\/login">/);
  }
  const signIn = await app.inject({ method: 'POST', url: '/dashboard/login', payload: { token } });
  expect(signIn.statusCode).toBe(303);
  expect(String(signIn.headers['set-cookie'])).toMatch(/dashboard_session=/);
  // Spent: a second POST, or a link read from the log later, is refused.
  expect((await app.inject({ method: 'POST', url: '/dashboard/login', payload: { token } })).statusCode).toBe(401);

  // Keys sent in a query string (refused, since keys go in headers), a stored key and the server's own.
  const made = await rig.api('POST', '/api/v1/api-keys', { name: 'crm', scopes: ['surveys:read'] });
  expect(made.statusCode).toBe(201);
  const stored = (made.json() as { key: string }).key;
  const keys = [stored, secrets.apiKey, 'sk_0123456789abcdef_guessedguessedguessed'];
  for (const key of keys) {
    for (const url of [`/api/v1/surveys?api_key=${key}`, `/api/v1/surveys?limit=5&key=${key}`, `/api/surveys?token=${key}`, `/api/v1/nothing?apiKey=${key}`]) {
      await app.inject({ method: 'GET', url });
    }
  }
  await app.inject({ method: 'GET', url: `/dashboard/login/${token}x` });

  const lines = rig.logs.lines;
  const leaked = lines.filter((line) => line.includes(token) || keys.some((k) => line.includes(k) || line.includes(k.slice(-16))));
  figure(`tokens and keys in the log: ${leaked.length} (of ${lines.length} lines; a sign-in token, ${keys.length} API keys in query strings)`);
  for (const line of leaked.slice(0, 5)) figure(`  ${line.slice(0, 200)}`);
  expect(lines.some((line) => line.includes('/dashboard/login/[redacted]'))).toBe(true);
  expect(leaked).toEqual([]);
});
