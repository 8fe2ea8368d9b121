import { z } from 'zod';
import { webhookEventTypes } from '../store/index.js';

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Why a URL cannot receive webhooks, or undefined when it can. */
export function urlProblem(text: string, production: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not a URL';
  }
  if (url.username || url.password) return 'must not carry a user name or password';
  if (url.protocol === 'https:') return undefined;
  const loopback = loopbackHosts.has(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
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
