import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { RefusedDestinationError, type WebhookDestinations } from './destination.js';

/** How one HTTP attempt went: the receiver's status, or why there was none. */
export type AttemptResult = { status: number; error?: string } | { status?: undefined; error: string };

export const attemptTimeoutMs = 10_000;
/** Retries go on this long after the event was queued; then the delivery is `failed`. */
export const retryWindowMs = 24 * 3_600_000;

/** What a business is shown for an attempt that got no answer: never the low-level error (a port scan would read it). */
export const attemptErrors = {
  refused: 'not sent: the host is not a public address',
  unreachable: 'not delivered: could not connect or read an answer',
} as const;

/**
 * POST a webhook body. Redirects are never followed (a 3xx is a failed attempt: the receiver must
 * give its final URL), the attempt is abandoned after 10 s, and the answer's body is not read. The
 * connection goes only to an address `destinations` permits, checked when it is made. `cause`
 * carries the low-level error code for the server's log only.
 */
export async function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  destinations: WebhookDestinations,
  timeoutMs = attemptTimeoutMs,
): Promise<AttemptResult & { cause?: string }> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { error: attemptErrors.unreachable, cause: 'bad URL' };
  }
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  if (destinations.hostProblem(target.hostname) || (isIP(host) && !destinations.permits(host))) return { error: attemptErrors.refused, cause: 'EDESTINATION' };
  const send = target.protocol === 'https:' ? httpsRequest : target.protocol === 'http:' ? httpRequest : undefined;
  if (!send) return { error: attemptErrors.unreachable, cause: 'scheme' };
  return new Promise((resolve) => {
    const req = send(
      target,
      { method: 'POST', headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) }, lookup: destinations.lookup, agent: false, signal: AbortSignal.timeout(timeoutMs) },
      (res) => {
        res.destroy();
        const status = res.statusCode ?? 0;
        resolve(status >= 300 && status < 400 ? { status, error: 'redirect not followed' } : { status });
      },
    );
    req.on('error', (err: Error & { code?: string }) => {
      if (err.name === 'TimeoutError' || err.name === 'AbortError') return resolve({ error: `no answer within ${timeoutMs / 1000} s`, cause: 'timeout' });
      if (err instanceof RefusedDestinationError) return resolve({ error: attemptErrors.refused, cause: err.code });
      resolve({ error: attemptErrors.unreachable, cause: err.code ?? err.name });
    });
    req.end(body);
  });
}

/**
 * When to try again after `attempts` failed attempts: 30 s doubling to at most 2 h, each delay
 * stretched by up to 20 % at random (so receivers coming back are not hit by every sender at once),
 * never past 24 h after the event was queued; undefined when those 24 h are over.
 */
export function nextAttemptAt(attempts: number, queuedAt: Date, now: Date, random: () => number = Math.random): Date | undefined {
  const deadline = queuedAt.getTime() + retryWindowMs;
  if (now.getTime() >= deadline) return undefined;
  const delay = Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 2 * 3_600_000) * (1 + 0.2 * random());
  return new Date(Math.min(now.getTime() + delay, deadline));
}
