import { z } from 'zod';
import { webhookEventTypes } from '../store/index.js';

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Addresses of this machine and private networks, written as IP literals (10/8, 172.16/12,
 * 192.168/16, 169.254/16 link-local and cloud metadata, 0/8, IPv6 loopback, unique-local, link-local).
 * A name that resolves to one is not caught here.
 */
const privateAddress = /^(10\.|127\.|0\.|169\.254\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)|^\[(::1?|f[cd][0-9a-f]*:.*|fe[89ab][0-9a-f]*:.*)\]$/i;

/** Why a URL cannot receive webhooks, or undefined when it can. */
export function urlProblem(text: string, production: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not a URL';
  }
  if (url.username || url.password) return 'must not carry a user name or password';
  const loopback = loopbackHosts.has(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
  if (production && (loopback || privateAddress.test(url.hostname))) return 'must not point at this server or a private network';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && loopback && !production) return undefined;
  return production ? 'must be an https URL' : 'must be an https URL (or http to localhost outside production)';
}

/**
 * What `subscribe` takes: `{ url, events }`, nothing else. Exported so a route can declare the same
 * schema; `production` decides whether http to loopback is allowed.
 */
export function subscriptionInput(production: boolean) {
  return z.strictObject({
    url: z
      .string()
      .trim()
      .max(2048)
      .superRefine((url, ctx) => {
        const problem = urlProblem(url, production);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    events: z
      .array(z.enum(webhookEventTypes))
      .min(1)
      .transform((events) => [...new Set(events)]),
  });
}

export type SubscriptionInput = z.infer<ReturnType<typeof subscriptionInput>>;
