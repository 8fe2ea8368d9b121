import { z } from 'zod';
import { webhookEventTypes } from '../store/index.js';
import { WebhookDestinations } from './destination.js';

/** What a URL is judged by: the environment, and the hosts the operator allowed (WEBHOOK_ALLOWED_HOSTS). */
export interface UrlPolicy {
  production: boolean;
  destinations: WebhookDestinations;
}

/** The policy a configuration sets (the service and the v1 route schema share it). */
export const webhookUrlPolicy = (config: { nodeEnv: string; webhookAllowedHosts: readonly string[] }): UrlPolicy => ({
  production: config.nodeEnv === 'production',
  destinations: new WebhookDestinations(config.webhookAllowedHosts),
});

/**
 * Why a URL cannot receive webhooks, or undefined when it can. An internal IP literal, `localhost`
 * or `*.localhost` is refused here in every environment unless allowed; a name's addresses are
 * checked at each delivery. http only to an allowed host, and not in production.
 */
export function urlProblem(text: string, { production, destinations }: UrlPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not a URL';
  }
  if (url.username || url.password) return 'must not carry a user name or password';
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https URL';
  const problem = destinations.hostProblem(url.hostname);
  if (problem) return problem;
  if (url.protocol === 'http:' && (production || !destinations.allows(url.hostname))) return production ? 'must be an https URL' : 'must be an https URL (or http to a host in WEBHOOK_ALLOWED_HOSTS outside production)';
  return undefined;
}

/** What `subscribe` takes: `{ url, events }`, nothing else. Exported so a route can declare the same schema. */
export function subscriptionInput(policy: UrlPolicy) {
  return z.strictObject({
    url: z
      .string()
      .trim()
      .max(2048)
      .superRefine((url, ctx) => {
        const problem = urlProblem(url, policy);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    events: z
      .array(z.enum(webhookEventTypes))
      .min(1)
      .transform((events) => [...new Set(events)]),
  });
}

export type SubscriptionInput = z.infer<ReturnType<typeof subscriptionInput>>;
