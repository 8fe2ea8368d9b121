import type { Delivery } from '../channel.js';

/** Twilio: "Attempt to send to unsubscribed recipient" (the number replied STOP). */
export const unsubscribedRecipient = 21610;

/** A failure the Twilio SDK threw: RestException and TwilioServiceException both carry these. */
interface TwilioApiError {
  status: number;
  code?: number;
  message?: string;
}

function isApiError(err: unknown): err is TwilioApiError {
  return typeof err === 'object' && err !== null && typeof (err as { status?: unknown }).status === 'number';
}

/** Socket-level failures (refused, reset, timed out, DNS) from the SDK's HTTP client. */
function isNetworkError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { isAxiosError?: unknown; code?: unknown };
  return e.isAxiosError === true || (typeof e.code === 'string' && /^E[A-Z_]+$/.test(e.code));
}

/**
 * What a failed `messages.create` means for the outbox. Refusals are answers, not crashes:
 * opted out → never retry and mark the customer; 429/5xx/network → retry later (a 5xx or the
 * network: the message may have gone); other 4xx → give up.
 */
export function deliveryFromError(err: unknown): Delivery {
  if (isApiError(err)) {
    const error = String(err.code ?? err.status);
    if (err.code === unsubscribedRecipient) return { status: 'failed', optedOut: true, error };
    if (err.status === 429) return { status: 'failed', retryable: true, error };
    // A 5xx may come after Twilio took the message.
    if (err.status >= 500) return { status: 'failed', retryable: true, unanswered: true, error };
    return { status: 'failed', error };
  }
  if (isNetworkError(err)) {
    const code = (err as { code?: unknown }).code;
    // A connection never made (refused, a name not found) carried nothing; any other may have.
    const neverConnected = code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
    return { status: 'failed', retryable: true, ...(neverConnected ? {} : { unanswered: true }), error: typeof code === 'string' ? code : 'network' };
  }
  return { status: 'failed', error: err instanceof Error ? err.message : String(err) };
}
