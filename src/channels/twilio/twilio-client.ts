import twilio from 'twilio';

type RequestOptions<T> = Parameters<InstanceType<typeof twilio.RequestClient>['request']>[0] & { data?: T };

/** Twilio's API hosts the product calls: Messaging, and Content (WhatsApp's interactive messages and templates). */
const twilioApiOrigins = new Set(['https://api.twilio.com', 'https://content.twilio.com']);

/**
 * The SDK's own HTTP client with Twilio's API origins (`https://api.twilio.com`, `https://content.twilio.com`) replaced by another base URL
 * (a loopback fake in tests, a recording proxy). `edge`/`region` only rename Twilio hosts, so they
 * cannot point at one; the documented `httpClient` option can.
 */
export class BaseUrlRequestClient extends twilio.RequestClient {
  private readonly baseUrl: string;

  constructor(baseUrl: string, options?: ConstructorParameters<typeof twilio.RequestClient>[0]) {
    super(options);
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  override request<TData>(opts: RequestOptions<TData>) {
    return super.request<TData>({ ...opts, uri: rewriteOrigin(opts.uri, this.baseUrl) });
  }
}

export function rewriteOrigin(uri: string, baseUrl: string): string {
  const url = new URL(uri);
  if (!twilioApiOrigins.has(url.origin)) return uri;
  return `${baseUrl}${url.pathname}${url.search}`;
}

export interface TwilioClientOptions {
  accountSid: string;
  authToken: string;
  apiBaseUrl?: string;
  /** Per-request timeout; the outbox retries a timed-out send rather than waiting 30 s. */
  timeoutMs?: number;
}

export function createTwilioClient(options: TwilioClientOptions): twilio.Twilio {
  const timeout = options.timeoutMs ?? 10_000;
  // Retries belong to the outbox (backoff with jitter, never twice for one item), not to the SDK.
  const httpClient = options.apiBaseUrl
    ? new BaseUrlRequestClient(options.apiBaseUrl, { timeout, autoRetry: false })
    : new twilio.RequestClient({ timeout, autoRetry: false, keepAlive: true });
  const client = twilio(options.accountSid, options.authToken, { httpClient });
  // The SDK loads its Messages API (some forty modules, 40 ms here) on first use. Loaded now, not
  // inside the first send's slot: a send that leaves that late reaches Twilio late, bunched with
  // the sends after it.
  void client.messages;
  return client;
}
