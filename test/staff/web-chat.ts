import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/** A web chat visitor id; staff identities on channel 'web' use these too. */
export const visitor = () => `v_${randomBytes(16).toString('hex')}`;

let counter = 0;

/** Type one message in the web chat as `address`; returns the bot's reply texts. */
export async function say(app: FastifyInstance, address: string, text: string, messageId = `m${++counter}`): Promise<string[]> {
  const res = await app.inject({ method: 'POST', url: `/chat/api/visitors/${address}/messages`, payload: { messageId, text } });
  if (res.statusCode !== 200) throw new Error(`web chat answered ${res.statusCode}: ${res.body}`);
  return (res.json().replies as Array<{ text: string }>).map((r) => r.text);
}

/** Everything the bot sent to `address` (replies and outbox sends), in order. */
export async function transcript(app: FastifyInstance, address: string): Promise<string[]> {
  await app.alerts.drain(); // owner alerts go out after the customer's reply, not inside it
  const res = await app.inject({ method: 'GET', url: `/chat/api/visitors/${address}/messages` });
  return (res.json().messages as Array<{ from: string; text: string }>).filter((m) => m.from === 'bot').map((m) => m.text);
}
