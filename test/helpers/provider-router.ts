import { createServer, request, type ClientRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * One loopback origin for the deployment's provider stand-ins (TWILIO_API_BASE_URL, TELEGRAM_API_ROOT)
 * that passes each request on to the fake of the account or bot it names: Twilio requests by account
 * SID (`/2010-04-01/Accounts/<sid>/…`), Bot API requests by token (`/bot<token>/…`). So several
 * businesses, each with its own Twilio account and bot, reach their own fakes through one setting.
 */
export interface ProviderRouter {
  url: string;
  /** Send this account's (AC…) or this bot token's requests to a fake at `origin`. */
  route(key: string, origin: string): void;
  /** Requests that named no routed account or bot (answered 404). */
  unrouted: string[];
  close(): Promise<void>;
}

export async function startProviderRouter(): Promise<ProviderRouter> {
  const routes = new Map<string, string>();
  const unrouted: string[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    const key = /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\//.exec(path)?.[1] ?? /^\/bot([^/]+)\//.exec(path)?.[1];
    const origin = key === undefined ? undefined : routes.get(key);
    if (!origin) {
      unrouted.push(path.replace(/\/bot[^/]+\//, '/bot<token>/'));
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: 404, description: 'Not Found' }));
      return;
    }
    req.pipe(passOn(req, res, `${origin}${path}`));
  });
  return { ...(await listening(server)), route: (key, origin) => void routes.set(key, origin.replace(/\/+$/, '')), unrouted };
}

/** The request `req` made again to `url` (its body still to be written), its answer piped back as `res`. */
function passOn(req: IncomingMessage, res: ServerResponse, url: string): ClientRequest {
  const onward = request(url, { method: req.method, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  onward.on('error', () => req.socket.destroy());
  return onward;
}

async function listening(server: Server): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * One loopback origin for one Twilio account's SMS and WhatsApp stand-ins (`fake-twilio.ts`,
 * `fake-whatsapp.ts`), as one TWILIO_API_BASE_URL: the Content API and messages to or listed for a
 * `whatsapp:` address go to the WhatsApp fake, everything else to the SMS one.
 */
export async function startTwilioSplit(sms: string, whatsapp: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      const to = new URLSearchParams(req.method === 'GET' ? path.split('?')[1] ?? '' : body.toString('utf8')).get('To') ?? '';
      const origin = path.startsWith('/v1/Content') || to.startsWith('whatsapp:') ? whatsapp : sms;
      passOn(req, res, `${origin.replace(/\/+$/, '')}${path}`).end(body);
    });
  });
  return listening(server);
}
