import { request } from 'node:http';

export type HttpResult = { status: number; body: string } | { error: string };

/**
 * One HTTP request to a loopback server, on a fresh connection (no keep-alive pool that could hand
 * a retry a socket of the killed process). Never throws: a reset, a refusal or a timeout is an error.
 */
export function httpRequest(
  method: 'GET' | 'POST',
  url: string,
  options: { headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<HttpResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: HttpResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const body = options.body === undefined ? undefined : Buffer.from(options.body, 'utf8');
    const req = request(
      url,
      {
        method,
        agent: false,
        headers: { ...options.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
        timeout: options.timeoutMs ?? 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err) => done({ error: err.message }));
        res.on('aborted', () => done({ error: 'response aborted' }));
      },
    );
    req.on('timeout', () => {
      req.destroy(new Error('timed out'));
    });
    req.on('error', (err: NodeJS.ErrnoException) => done({ error: err.code ?? err.message }));
    req.end(body);
  });
}

export const is2xx = (r: HttpResult): r is { status: number; body: string } => 'status' in r && r.status >= 200 && r.status < 300;
