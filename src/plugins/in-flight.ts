import { AsyncLocalStorage } from 'node:async_hooks';
import type { Inbound, InboundResult } from '../domain/channels.js';

/**
 * Message ids that an open webhook request of this process is handling. A redelivery arriving
 * meanwhile gets an empty answer: the first request sends the replies (Telegram and Teams send them
 * while it runs), and without this the redelivery found them not yet confirmed and sent them again.
 * An id is released when its request's response is finished or its connection closed, so a provider
 * that gave up on a request (a timeout) has its retry handled as before.
 */
export function inFlightGuard() {
  const inFlight = new Set<string>();
  const held = new AsyncLocalStorage<Set<string>>();
  return {
    enter(raw: { once(event: 'close', listener: () => void): unknown }, run: () => void) {
      const keys = new Set<string>();
      raw.once('close', () => {
        for (const key of keys) inFlight.delete(key);
      });
      held.run(keys, run);
    },
    async handle(businessId: string, inbound: Inbound, handle: (inbound: Inbound) => Promise<InboundResult>): Promise<InboundResult> {
      const key = `${businessId}:${inbound.channel}:${inbound.providerMessageId}`;
      if (inFlight.has(key)) return { duplicate: true, replies: [] };
      const keys = held.getStore();
      if (keys) {
        inFlight.add(key);
        keys.add(key);
      }
      return handle(inbound);
    },
  };
}

export type InFlightGuard = ReturnType<typeof inFlightGuard>;
