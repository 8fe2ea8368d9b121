import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The key from `x-api-key` or `Authorization: Bearer …`. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header) return header;
  const auth = request.headers.authorization;
  const m = auth ? /^Bearer\s+(\S+)$/i.exec(auth) : null;
  return m?.[1];
}

/**
 * An onRequest hook: 503 when no API_KEY is configured, 401 for a missing or wrong key. Hashing
 * both sides first makes the comparison constant-time whatever the lengths.
 */
export function apiKeyAuth(apiKey: string | undefined) {
  const expected = apiKey ? digest(apiKey) : undefined;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!expected) return reply.code(503).send({ error: 'api_disabled', message: 'API disabled: set API_KEY to enable it.' });
    const key = presentedKey(request);
    if (!key || !timingSafeEqual(digest(key), expected)) throw new UnauthorizedError('a valid API key is required (x-api-key header or Authorization: Bearer)');
  };
}
