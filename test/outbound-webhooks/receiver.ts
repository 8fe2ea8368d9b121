import { lookup } from 'node:dns/promises';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on 127.0.0.1: records every request and answers with the next queued status (200 when none). */
export interface Receiver {
  url: string;
  received: Received[];
  /** Statuses for the next requests, in order (those not used yet are dropped). */
  answer(...statuses: number[]): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const statuses: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = statuses.shift() ?? 200;
      if (res.statusCode >= 300 && res.statusCode < 400) res.setHeader('Location', '/moved');
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    answer: (...s) => void statuses.splice(0, statuses.length, ...s),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export type Verify = (secret: string, headers: IncomingHttpHeaders, rawBody: string | Buffer, nowMs?: number) => boolean;

/** The verification snippet exactly as README.md shows it (the ```js block of "Outbound webhooks"), as a module. */
export async function readmeVerifier(): Promise<Verify> {
  const readme = await readFile(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Outbound webhooks'));
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error('README.md has no ```js block under "Outbound webhooks"');
  const dir = await mkdtemp(path.join(tmpdir(), 'webhook-verify-'));
  const file = path.join(dir, 'verify.mjs');
  await writeFile(file, code);
  try {
    const mod = (await import(pathToFileURL(file).href)) as { verifySurveyWebhook: Verify };
    return mod.verifySurveyWebhook;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A host name that is not `localhost` but resolves to loopback (this machine's name, from the hosts
 * file): the address check must catch it by its addresses, not by its spelling.
 */
export async function nameOfLoopback(): Promise<string> {
  for (const name of [hostname(), 'runsc', 'vm', 'ip6-localhost', 'ip6-loopback']) {
    const addresses = await lookup(name, { all: true }).catch(() => []);
    if (name !== 'localhost' && addresses.length && addresses.every((a) => a.address.startsWith('127.') || a.address === '::1')) return name;
  }
  throw new Error('no host name here resolves to loopback only');
}
