import { createHash, randomInt } from 'node:crypto';
import type { ChannelDriver, SentMessage } from '../driver.js';
import { placeBusiness } from '../business-place.js';
import { newSid, startFakeTwilio } from '../../helpers/fake-twilio.js';

const publicUrl = 'https://bot.example.test';
const accountSid = newSid('AC');
const authToken = 'scenario-auth-token-0123456789';

/**
 * SMS through the fake Twilio: texts arrive as signed webhooks and Twilio's own keyword answers,
 * TwiML replies and API sends all land in the fake's records, which is what the customer's phone shows.
 * SMS has no buttons, so a tap is typed.
 */
export const smsDriver: ChannelDriver = {
  name: 'sms',
  async setup(clock, place) {
    const fake = await startFakeTwilio({ accountSid, authToken, publicUrl: place === 'api' ? `${publicUrl}/b/scenes` : publicUrl });
    const from = '+15005550006';
    const { server, businessId } = await placeBusiness(
      place,
      clock,
      { TWILIO_API_BASE_URL: fake.baseUrl, PUBLIC_URL: publicUrl, SWEEP_INTERVAL: '0' },
      {
        env: { TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken, TWILIO_FROM: from, SMS_RATE_PER_SECOND: '100' },
        channels: { sms: { accountSid, authToken, from, ratePerSecond: 100 } },
      },
    );
    const { app } = server;
    let next = randomInt(9000);
    return {
      server,
      businessId,
      // Distinct numbers within a session (random ones collided now and then: a throttled survey).
      async newCustomer() {
        return `+1415555${String(1000 + (next++ % 9000))}`;
      },
      async deliver(address, { id, text, choice }) {
        // The same seed gives the same MessageSid, as a Twilio retry of one message does.
        const messageSid = `SM${createHash('sha256').update(`${address}:${id}`).digest('hex').slice(0, 32)}`;
        const res = await fake.receive(app, { from: address, body: choice ?? text ?? '', messageSid });
        if (res.statusCode !== 200) throw new Error(`sms webhook answered ${res.statusCode}: ${res.body}`);
      },
      async sent(address): Promise<SentMessage[]> {
        await app.alerts.drain(); // owner alerts go out after the customer's reply, not inside it
        return fake.messages.filter((m) => m.to === address).map((m) => ({ text: m.body }));
      },
      async close() {
        await server.close();
        await fake.close();
      },
    };
  },
};
