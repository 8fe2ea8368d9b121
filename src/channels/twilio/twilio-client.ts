import { Agent } from 'node:http';
import twilio from 'twilio';
import { sendsUnderWay } from '../../domain/channels.js';

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
    // A plain-HTTP stand-in goes through an agent with the same socket limits as the SDK's HTTPS one.
    if (baseUrl.startsWith('http:')) {
      this.axios.defaults.httpAgent = new Agent({ keepAlive: true, timeout: options?.timeout, maxSockets: options?.maxSockets, maxFreeSockets: options?.maxFreeSockets, scheduling: options?.scheduling });
    }
  }

  override request<TData>(opts: RequestOptions<TData>) {
    return super.request<TData>({ ...opts, uri: rewriteOrigin(opts.uri, this.baseUrl) });
  }
}

/**
 * Whether the client's next request would open a new connection: no socket to the API is kept open
 * idle (its first requests, after a pause, or when more are under way than ever before). Such a
 * request travels far longer (a TCP and TLS handshake, and the event-loop turns between), so its
 * send pacing takes it as cold (`SharedSendQueueOptions.opensConnection`). The agent is found once;
 * the check, asked at every send's let-go, only reads its idle sockets.
 */
export function connectionCheck(client: twilio.Twilio): () => boolean {
  const { httpAgent, httpsAgent } = (client.httpClient as unknown as { axios: { defaults: { httpAgent?: Agent; httpsAgent?: Agent } } }).axios.defaults;
  const agent = (httpAgent ?? httpsAgent) as (Agent & { keepAlive?: boolean }) | undefined;
  // An agent that keeps no connection open (the proxy's the SDK uses with HTTP_PROXY) opens one for
  // every request: that is its usual travel, not a cold send's.
  if (!agent?.keepAlive) return () => false;
  const idle = agent.freeSockets;
  return () => !Object.values(idle).some((sockets) => sockets?.length);
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
  /** The sender's pace (messages a second): the client keeps sockets for the sends under way at it. */
  perSecond?: number;
}

export function createTwilioClient(options: TwilioClientOptions): twilio.Twilio {
  const timeout = options.timeoutMs ?? 10_000;
  // The SDK's agent opens at most 20 sockets to a host and keeps 5 idle. A campaign keeps up to
  // `sendsUnderWay` sends at Twilio at once, and single sends go beside them: a send without a
  // socket would wait in the agent after its slot, and reach Twilio late, bunched with later ones;
  // a socket closed between sends would make the next open a new TLS connection.
  // The idle sockets are taken in turn (FIFO), not the last freed first: taken last-first, the ones a
  // busier moment opened sit idle until the provider's keep-alive timeout (5 s on Node's HTTP server)
  // or the agent's closes them, and the next busier moment opens them again.
  const sockets = Math.max(20, 2 * sendsUnderWay(options.perSecond));
  const agent = { maxSockets: sockets, maxFreeSockets: sockets, scheduling: 'fifo' as const };
  // Retries belong to the outbox (backoff with jitter, never twice for one item), not to the SDK.
  const httpClient = options.apiBaseUrl
    ? new BaseUrlRequestClient(options.apiBaseUrl, { timeout, autoRetry: false, ...agent })
    : new twilio.RequestClient({ timeout, autoRetry: false, keepAlive: true, ...agent });
  const client = twilio(options.accountSid, options.authToken, { httpClient });
  // The SDK loads its Messages API (some forty modules, 40 ms here) on first use. Loaded now, not
  // inside the first send's slot: a send that leaves that late reaches Twilio late, bunched with
  // the sends after it.
  void client.messages;
  return client;
}
