import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { howItEnded, isRunning, keepTail, sigkill, sleep, track } from './children.js';
import { httpRequest } from './http.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The bot as production runs it, `node --import tsx src/server.ts`, in a child process that can be SIGKILLed. */
export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  /** How many times it was started. */
  readonly starts: number;
  /** SIGKILL: no shutdown hook runs, in-flight requests are cut. */
  kill(): Promise<void>;
  /** Start again with the same environment and port; resolves when /readyz answers 200. */
  restart(): Promise<void>;
  /** Resolves when /readyz answers 200 (the database answers). */
  waitReady(timeoutMs?: number): Promise<void>;
  /** SIGKILL if still running; nothing to flush, the database holds everything. */
  stop(): Promise<void>;
  output(): string;
}

/**
 * `env` is the whole environment of the child (nothing is inherited but PATH and HOME), so the test
 * states every setting it relies on.
 */
export async function startServerProcess(env: Record<string, string>, port: number): Promise<ServerProcess> {
  let child: ChildProcess | undefined;
  let tail: () => string = () => '';
  let starts = 0;
  const url = `http://127.0.0.1:${port}`;

  const waitReady = async (timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (!isRunning(child)) throw new Error(`server exited (${howItEnded(child)}) before it was ready:\n${tail()}`);
      const res = await httpRequest('GET', `${url}/readyz`, { timeoutMs: 3_000 });
      if ('status' in res && res.status === 200) return;
      last = 'status' in res ? `${res.status} ${res.body}` : res.error;
      await sleep(100);
    }
    throw new Error(`server not ready within ${timeoutMs} ms (last: ${last}):\n${tail()}`);
  };

  const start = async () => {
    starts += 1;
    child = track(
      spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
        cwd: repoRoot,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', RATE_LIMIT: '1000000', ...env, HOST: '127.0.0.1', PORT: String(port) }, // all traffic is from one address
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    tail = keepTail(child);
    await waitReady();
  };

  await start();
  return {
    url,
    port,
    get starts() {
      return starts;
    },
    kill: () => sigkill(child),
    restart: async () => {
      await sigkill(child);
      await start();
    },
    waitReady,
    stop: () => sigkill(child),
    output: () => tail(),
  };
}
