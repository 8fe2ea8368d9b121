import { describe, expect, it } from 'vitest';
import { sendsUnderWay } from '../../../src/domain/channels.js';
import { connectionCheck, createTwilioClient, rewriteOrigin } from '../../../src/channels/twilio/twilio-client.js';
import { startFakeTwilio } from '../../helpers/fake-twilio.js';

describe('rewriteOrigin', () => {
  it('moves the api.twilio.com origin onto the base URL, keeping path and query', () => {
    expect(rewriteOrigin('https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?PageSize=5', 'http://127.0.0.1:4010')).toBe(
      'http://127.0.0.1:4010/2010-04-01/Accounts/AC1/Messages.json?PageSize=5',
    );
  });

  it('keeps a path prefix of the base URL', () => {
    expect(rewriteOrigin('https://api.twilio.com/2010-04-01/Accounts.json', 'http://proxy.test/twilio')).toBe(
      'http://proxy.test/twilio/2010-04-01/Accounts.json',
    );
  });

  it('leaves other Twilio hosts alone', () => {
    const uri = 'https://messaging.twilio.com/v1/Services';
    expect(rewriteOrigin(uri, 'http://127.0.0.1:4010')).toBe(uri);
  });
});

describe('createTwilioClient', () => {
  it('has the Messages API loaded before the first send, so no send waits for the SDK to load it', () => {
    const client = createTwilioClient({ accountSid: `AC${'0'.repeat(32)}`, authToken: 'token', apiBaseUrl: 'http://127.0.0.1:9' });
    // The SDK keeps its REST domain, once made, in `_api` (made by the first `client.messages`).
    expect((client as unknown as { _api?: unknown })._api).toBeDefined();
  });
});

describe('the Twilio client’s sockets', () => {
  type Agentish = { maxSockets: number; maxFreeSockets: number; scheduling: string };
  const agents = (client: ReturnType<typeof createTwilioClient>) => {
    const defaults = (client.httpClient as unknown as { axios: { defaults: { httpAgent?: Agentish; httpsAgent?: Agentish } } }).axios.defaults;
    return { http: defaults.httpAgent, https: defaults.httpsAgent };
  };
  const sid = `AC${'0'.repeat(32)}`;

  it('are enough for a campaign’s sends under way at the sender’s pace, and stay open between sends', () => {
    // The SDK's own defaults are 20 sockets to a host, 5 kept idle.
    const { https } = agents(createTwilioClient({ accountSid: sid, authToken: 'token', perSecond: 100 }));
    expect(https!.maxSockets).toBeGreaterThanOrEqual(2 * sendsUnderWay(100));
    expect(https!.maxFreeSockets).toBe(https!.maxSockets);
    expect(agents(createTwilioClient({ accountSid: sid, authToken: 'token', perSecond: 1 })).https!.maxSockets).toBe(20);
  });

  it('are as many for a plain-HTTP stand-in of the API, so tests and the bench see what production does', () => {
    const { http, https } = agents(createTwilioClient({ accountSid: sid, authToken: 'token', apiBaseUrl: 'http://127.0.0.1:9', perSecond: 100 }));
    expect(http!.maxSockets).toBe(https!.maxSockets);
    expect(http!.maxFreeSockets).toBe(https!.maxFreeSockets);
  });

  it('are taken in turn, so a busier moment’s sockets stay in use rather than idle until the provider closes them', () => {
    const { http, https } = agents(createTwilioClient({ accountSid: sid, authToken: 'token', apiBaseUrl: 'http://127.0.0.1:9', perSecond: 100 }));
    expect(https!.scheduling).toBe('fifo');
    expect(http!.scheduling).toBe('fifo');
  });

  it('through a proxy that keeps no connection open (HTTP_PROXY), never take a send as cold for opening one', () => {
    const before = process.env.HTTP_PROXY;
    process.env.HTTP_PROXY = 'http://127.0.0.1:9';
    try {
      expect(connectionCheck(createTwilioClient({ accountSid: sid, authToken: 'token', perSecond: 100 }))()).toBe(false);
    } finally {
      if (before === undefined) delete process.env.HTTP_PROXY;
      else process.env.HTTP_PROXY = before;
    }
    expect(connectionCheck(createTwilioClient({ accountSid: sid, authToken: 'token', perSecond: 100 }))()).toBe(true);
  });

  it('tell whether the next send opens a connection: before the first, not while one is kept open, again once the provider closed it', async () => {
    const fake = await startFakeTwilio({ accountSid: sid, authToken: 'token' });
    let open = true;
    try {
      const client = createTwilioClient({ accountSid: sid, authToken: 'token', apiBaseUrl: fake.baseUrl, perSecond: 10 });
      const opensConnection = connectionCheck(client);
      expect(opensConnection()).toBe(true);
      await client.messages.create({ to: '+14165550100', from: '+14165550199', body: 'Hello' });
      // The socket goes back to the agent's idle ones once the answer is read.
      for (let i = 0; i < 50 && opensConnection(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(opensConnection()).toBe(false);
      // Closing the server closes its idle keep-alive connections; the agent drops its end.
      await fake.close();
      open = false;
      for (let i = 0; i < 50 && !opensConnection(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(opensConnection()).toBe(true);
    } finally {
      if (open) await fake.close();
    }
  });
});
