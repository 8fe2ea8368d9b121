/** How one HTTP attempt went: the receiver's status, or why there was none. */
export type AttemptResult = { status: number; error?: string } | { status?: undefined; error: string };

export const attemptTimeoutMs = 10_000;
/** Retries go on this long after the event was queued; then the delivery is `failed`. */
export const retryWindowMs = 24 * 3_600_000;

/**
 * POST a webhook body. Redirects are never followed (a 3xx is a failed attempt: the receiver must
 * give its final URL), the attempt is abandoned after 10 s, and the answer's body is not read.
 */
export async function postWebhook(url: string, headers: Record<string, string>, body: string, timeoutMs = attemptTimeoutMs): Promise<AttemptResult> {
  try {
    const res = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel().catch(() => {});
    if (res.status >= 300 && res.status < 400) return { status: res.status, error: 'redirect not followed' };
    return { status: res.status };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return { error: `no answer within ${timeoutMs / 1000} s` };
    return { error: e.cause?.code ?? e.message };
  }
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
