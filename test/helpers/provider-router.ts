import { createServer, request } from 'node:http';
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
    const onward = request(`${origin}${path}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    onward.on('error', () => req.socket.destroy());
    req.pipe(onward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    route: (key, origin) => void routes.set(key, origin.replace(/\/+$/, '')),
    unrouted,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
