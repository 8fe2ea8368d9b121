import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ferretDbArgs, ferretDbBinary, freePort, waitForPort } from '../../src/store/embedded-database.js';

export interface FerretDbProcess {
  uri: string;
  port: number;
  /** The running process (benchmarks read its CPU time). */
  readonly pid: number | undefined;
  /** Sends `signal` (SIGKILL by default: a crash) and waits until the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same data folder and port, after kill(). */
  restart(): Promise<void>;
}

const live = new Set<ChildProcess>();
// A test file that dies must not leave its database behind (FerretDB does not watch its parent).
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * A FerretDB of a test's own, on `dataDir`, durable: crash tests SIGKILL it and restart it on the
 * same data. The suite's shared servers are never killed, since other test files use them.
 */
export async function startFerretDbProcess(options: { dataDir: string; port?: number; cacheDir?: string }): Promise<FerretDbProcess> {
  const binary = await ferretDbBinary(options.cacheDir ?? process.env.FERRETDB_CACHE_DIR ?? path.resolve('.cache'));
  const dir = path.resolve(options.dataDir);
  await mkdir(dir, { recursive: true });
  const port = options.port ?? (await freePort());
  let child: ChildProcess | undefined;

  async function launch(): Promise<void> {
    const started = spawn(binary, ferretDbArgs(dir, port), { stdio: ['ignore', 'ignore', 'pipe'] });
    live.add(started);
    started.once('exit', () => live.delete(started));
    let stderr = '';
    started.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    try {
      await waitForPort(port, started, 30_000);
    } catch (err) {
      started.kill('SIGKILL');
      throw new Error(`FerretDB did not start: ${(err as Error).message}\n${stderr}`);
    }
    child = started;
  }

  await launch();
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    port,
    get pid() {
      return child?.pid;
    },
    kill: async (signal = 'SIGKILL') => {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.kill(signal);
      await exited;
    },
    restart: async () => {
      if (child) throw new Error('FerretDB is still running: kill() it first');
      await launch();
    },
  };
}
