import { describe, expect, it } from 'vitest';
import { createTwilioClient, rewriteOrigin } from '../../../src/channels/twilio/twilio-client.js';

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
