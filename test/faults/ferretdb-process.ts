import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { ferretDbBinary, freePort } from '../../src/store/embedded-database.js';
import { howItEnded, isRunning, keepTail, portOpen, sigkill, sleep, track } from './children.js';

/** FerretDB (SQLite) in a child process on a fixed port and a durable data folder, so it can be SIGKILLed and started again. */
export interface FerretDbProcess {
  /** mongodb://127.0.0.1:<port>/ */
  readonly uri: string;
  readonly port: number;
  kill(): Promise<void>;
  /** Start again on the same port and data folder; resolves when the port accepts connections. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startFerretDbProcess(options: { cacheDir: string; dataDir: string; port?: number }): Promise<FerretDbProcess> {
  const binary = await ferretDbBinary(options.cacheDir, (line) => console.log(`[fault test] ${line}`));
  const port = options.port ?? (await freePort());
  const dir = options.dataDir;
  await mkdir(dir, { recursive: true });
  let child: ChildProcess | undefined;

  const start = async () => {
    child = track(
      spawn(
        binary,
        [
          '--handler=sqlite',
          `--sqlite-url=file:${dir}/`,
          `--listen-addr=127.0.0.1:${port}`,
          `--state-dir=${dir}`,
          '--telemetry=disable',
          '--debug-addr=-',
          '--log-level=warn',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      ),
    );
    const tail = keepTail(child);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (!isRunning(child)) throw new Error(`FerretDB exited (${howItEnded(child)}):\n${tail()}`);
      if (await portOpen(port)) return;
      await sleep(50);
    }
    throw new Error(`FerretDB did not open port ${port} within 30 s:\n${tail()}`);
  };

  await start();
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    port,
    kill: () => sigkill(child),
    restart: async () => {
      await sigkill(child);
      await start();
    },
    stop: () => sigkill(child),
  };
}
