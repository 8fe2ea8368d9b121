/**
 * The HTTP ceiling of this machine: a bare Fastify route that parses a JSON body like the web
 * chat's and answers a small JSON, with no logging and no database. The load generator drives it
 * exactly as it drives the product.
 *   PORT=<port> node --import tsx bench/bare-server.ts
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/readyz', async () => ({ ok: true }));
app.post('/chat/api/visitors/:id/messages', async (request) => {
  const body = request.body as { messageId?: string; text?: string };
  return { duplicate: false, replies: [{ text: `Thanks! You said ${String(body.text ?? '').slice(0, 20)}` }] };
});
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
