import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  installActivity,
  messageActivity,
  postActivity,
  startFakeBotConnector,
  teamsUser,
  type FakeBotConnector,
} from '../../helpers/fake-bot-connector.js';
import { buildTeamsTestApp, type TeamsTestApp } from './teams-test-app.js';

const appId = '00000000-0000-4000-8000-00000000b07a';
const authEnv = { TEAMS_APP_ID: appId, TEAMS_APP_PASSWORD: 'not-a-real-password', TEAMS_TENANT_ID: 'tenant-1' };

// CloudAdapter.process prints every refused token with console.error; keep the test output readable.
beforeAll(() => {
  const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
  return () => quiet.mockRestore();
});

describe('Teams inbound authentication against a loopback key set', () => {
  let connector: FakeBotConnector;
  let bot: TeamsTestApp;

  beforeAll(async () => {
    connector = await startFakeBotConnector();
    bot = await buildTeamsTestApp(authEnv, {
      tokenValidation: { openIdMetadataUrl: connector.openIdMetadataUrl, issuer: connector.issuer },
    });
  });
  afterAll(async () => {
    await bot?.close();
    await connector?.close();
  });

  const message = () => messageActivity('9', { user: teamsUser(), serviceUrl: connector.serviceUrl });

  it('accepts an install signed with the published key and stores the reference', async () => {
    const user = teamsUser();
    const res = await postActivity(bot.app, installActivity({ user, serviceUrl: connector.serviceUrl }), connector.token(appId));
    expect(res.statusCode).toBe(200);
    expect(await bot.conversations.find(user.aadObjectId)).toMatchObject({ serviceUrl: connector.serviceUrl });
  });

  it('passes a signed message to the service', async () => {
    const activity = message();
    const res = await postActivity(bot.app, activity, connector.token(appId));
    expect(res.statusCode).toBe(200);
    expect(bot.received.map((i) => i.providerMessageId)).toContain(activity.id);
  });

  const refusals: Array<[string, (c: FakeBotConnector) => string | undefined]> = [
    ['no Authorization header', () => undefined],
    ['a bearer value that is not a JWT', () => 'not-a-token'],
    ['a token signed with a key the channel does not publish', (c) => c.token(appId, { key: 'other' })],
    ['a token for another bot', (c) => c.token('someone-else')],
    ['a token from another issuer', (c) => c.token(appId, { claims: { iss: 'https://issuer.example' } })],
    ['an expired token', (c) => c.token(appId, { claims: { exp: Math.floor(Date.now() / 1000) - 3600 } })],
    ['a token without an expiry', (c) => c.token(appId, { claims: { exp: undefined } })],
    ['a token issued for another service URL', (c) => c.token(appId, { claims: { serviceurl: 'https://smba.example/' } })],
  ];

  it.each(refusals)('refuses %s with 401 and passes nothing on', async (_name, token) => {
    const activity = message();
    const res = await postActivity(bot.app, activity, token(connector));
    expect(res.statusCode).toBe(401);
    expect(bot.received.map((i) => i.providerMessageId)).not.toContain(activity.id);
    expect(connector.activities).toEqual([]);
  });
});

describe('Teams inbound authentication with the Bot Framework defaults', () => {
  let bot: TeamsTestApp;

  beforeAll(async () => {
    bot = await buildTeamsTestApp(authEnv);
  });
  afterAll(async () => {
    await bot?.close();
  });

  // Neither request can reach the network: the SDK refuses before it looks up any signing key.
  it.each([
    ['no Authorization header', undefined],
    ['a token from an unknown issuer', 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2V2aWwuZXhhbXBsZSJ9.c2ln'],
  ])('refuses %s with 401', async (_name, token) => {
    const res = await postActivity(bot.app, messageActivity('9', { user: teamsUser(), serviceUrl: 'https://smba.example/' }), token);
    expect(res.statusCode).toBe(401);
    expect(bot.received).toEqual([]);
  });
});
