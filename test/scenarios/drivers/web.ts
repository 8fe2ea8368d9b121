import { randomBytes } from 'node:crypto';
import type { ChannelDriver, SentMessage } from '../driver.js';
import { placeBusiness } from '../business-place.js';

/** The web chat: the page's own JSON endpoints. */
export const webDriver: ChannelDriver = {
  name: 'web',
  async setup(clock, place) {
    const { server, businessId, basePath } = await placeBusiness(place, clock, { SWEEP_INTERVAL: '0' }, { env: { WEB_CHAT_ENABLED: 'true' }, channels: { web: { enabled: true } } });
    const { app } = server;
    return {
      server,
      businessId,
      async newCustomer() {
        return `v_${randomBytes(16).toString('hex')}`;
      },
      async deliver(address, { id, text, choice }) {
        const res = await app.inject({ method: 'POST', url: `${basePath}/chat/api/visitors/${address}/messages`, payload: { messageId: id, text, choice } });
        if (res.statusCode !== 200) throw new Error(`web chat answered ${res.statusCode}: ${res.body}`);
      },
      async sent(address): Promise<SentMessage[]> {
        await app.alerts.drain(); // owner alerts go out after the customer's reply, not inside it
        const res = await app.inject({ method: 'GET', url: `${basePath}/chat/api/visitors/${address}/messages` });
        const messages = res.json().messages as Array<{ from: string; text: string; choices?: Array<{ value: string }> }>;
        return messages.filter((m) => m.from === 'bot').map((m) => ({ text: m.text, choices: m.choices?.map((c) => c.value) }));
      },
      close: () => server.close(),
    };
  },
};
