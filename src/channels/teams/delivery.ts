import type { Delivery } from '../channel.js';

interface ConnectorError {
  statusCode?: number;
  code?: string;
  message?: string;
  response?: { headers?: { get?(name: string): string | undefined }; bodyAsText?: string | null };
}

/** Teams' own error code from the response body, e.g. ConversationBlockedByUser, BotDisabledByAdmin. */
function teamsErrorCode(err: ConnectorError): string | undefined {
  const body = err.response?.bodyAsText;
  if (!body) return undefined;
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown } };
    return typeof parsed.error?.code === 'string' ? parsed.error.code : undefined;
  } catch {
    return undefined;
  }
}

function retryAfterSeconds(err: ConnectorError): number | undefined {
  const header = err.response?.headers?.get?.('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/**
 * A refused send as a `Delivery`. 403 means the user blocked or uninstalled the bot (or an admin
 * disabled it): stop messaging them. 429 and 5xx are worth a later try; so is a network failure.
 */
export function failedDelivery(error: unknown): Delivery {
  const err = (error ?? {}) as ConnectorError;
  const status = typeof err.statusCode === 'number' ? err.statusCode : undefined;
  const code = teamsErrorCode(err);
  const reason = [status, code].filter((part) => part !== undefined).join(' ') || err.code || 'network error';
  if (status === 403) return { status: 'failed', error: reason, optedOut: true };
  if (status === undefined || status === 429 || status >= 500) {
    const wait = retryAfterSeconds(err);
    return { status: 'failed', error: reason, retryable: true, ...(wait !== undefined ? { retryAfterSeconds: wait } : {}) };
  }
  return { status: 'failed', error: reason };
}
