import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { cp, chmod, mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { endOrphanGroup, isAlive, readFolderLock, releaseFolderLock, writeFolderLock } from './data-folder-lock.js';

const run = promisify(execFile);

/** The FerretDB release the embedded default and the tests run on. */
export const FERRETDB_VERSION = 'v1.24.2';
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';

export interface EmbeddedDatabase {
  uri: string;
  engine: 'mongodb-memory-server' | 'ferretdb';
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Where data lives; omit for a throw-away database (tests). */
  dataDir?: string;
  /** Where the FerretDB binary is built and kept. */
  cacheDir: string;
  /** Loopback port; a free one when omitted. */
  port?: number;
  log?: (line: string) => void;
}

/**
 * A MongoDB-compatible server for trying the bot and for tests: a real mongod through
 * mongodb-memory-server when its binary is at hand or downloadable, else FerretDB on SQLite.
 */
export async function startEmbeddedDatabase(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const log = options.log ?? (() => {});
  const mongod = await tryMemoryServer(options, log);
  if (mongod) return mongod;
  log(`using FerretDB ${FERRETDB_VERSION} instead`);
  return startFerretDb(options, log);
}

/** A real mongod, or undefined when none can be had (the tests then fall back to another server). */
export async function tryMemoryServer(options: EmbeddedOptions, log: (line: string) => void): Promise<EmbeddedDatabase | undefined> {
  if (process.env.SURVEY_BOT_SKIP_MONGOD === '1') return undefined;
  // One download attempt, not three: on a machine without network we want FerretDB quickly.
  process.env.MONGOMS_MAX_RETRIES ??= '0';
  try {
    const { MongoBinary, MongoMemoryServer } = await import('mongodb-memory-server-core');
    await MongoBinary.getPath();
    const dbPath = options.dataDir ? path.join(options.dataDir, 'mongod') : undefined;
    if (dbPath) await mkdir(dbPath, { recursive: true, mode: 0o700 });
    const server = await MongoMemoryServer.create({
      instance: { ip: '127.0.0.1', port: options.port, dbPath, storageEngine: 'wiredTiger' },
    });
    return { uri: server.getUri(), engine: 'mongodb-memory-server', stop: async () => void (await server.stop({ doCleanup: !dbPath })) };
  } catch (err) {
    log(`mongod is not available (${(err as Error).message.split('\n')[0]})`);
    return undefined;
  }
}

/** Path of the FerretDB binary, building it with Go on first use. */
export async function ferretDbBinary(cacheDir: string, log: (line: string) => void = () => {}): Promise<string> {
  const binary = path.resolve(cacheDir, `ferretdb-${FERRETDB_VERSION}`, 'ferretdb');
  if (await exists(binary)) return binary;
  log(`building FerretDB ${FERRETDB_VERSION} with Go into ${path.dirname(binary)} (first run only, about two minutes)`);
  const goEnv = { ...process.env, GOFLAGS: '-buildvcs=false' };
  const { stdout } = await run('go', ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], {
    env: goEnv,
    maxBuffer: 1 << 20,
  });
  const moduleDir = (JSON.parse(stdout) as { Dir: string }).Dir;
  // The module cache is read-only and lacks the version stamp the release build writes: build a copy.
  const work = await mkdtemp(path.join(tmpdir(), 'ferretdb-src-'));
  try {
    await cp(moduleDir, work, { recursive: true });
    await chmod(path.join(work, 'build', 'version'), 0o755);
    await writeFile(path.join(work, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
    await mkdir(path.dirname(binary), { recursive: true });
    const partial = `${binary}.${process.pid}.partial`;
    await run('go', ['build', '-trimpath', '-o', partial, './cmd/ferretdb'], { cwd: work, env: goEnv, maxBuffer: 1 << 24 });
    await rename(partial, binary);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return binary;
}

/**
 * FerretDB on SQLite in `dataDir`/ferretdb, or in a throw-away folder when `dataDir` is omitted.
 * One database per data folder: while the process that started one lives, another start on the same
 * folder (a command-line tool beside the server) uses it; one whose starter died is ended first.
 * FerretDB runs under a shell watchdog that reads the starter's pipe: when the starter dies, even by
 * SIGKILL, the pipe closes and the watchdog stops the database, so none is left behind.
 */
export async function startFerretDb(options: EmbeddedOptions, log: (line: string) => void = () => {}): Promise<EmbeddedDatabase> {
  const binary = await ferretDbBinary(options.cacheDir, log);
  const temporary = !options.dataDir;
  const dir = options.dataDir ? path.resolve(options.dataDir, 'ferretdb') : await mkdtemp(path.join(tmpdir(), 'ferretdb-data-'));
  // The data files are the business's customers: readable by this user only (older folders were 0755).
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const running = await readFolderLock(dir);
  if (running && isAlive(-running.group)) {
    if (isAlive(running.owner) && running.owner !== process.pid) {
      log(`using the embedded database that process ${running.owner} runs on this data folder`);
      return { uri: `mongodb://127.0.0.1:${running.port}/`, engine: 'ferretdb', stop: async () => {} };
    }
    log('ending an embedded database left running by a process that stopped');
    await endOrphanGroup(running.group);
  }
  const port = options.port ?? (await freePort());
  const child = spawn('/bin/sh', ['-c', watchdog, binary, ...ferretDbArgs(dir, port)], { detached: true, stdio: ['pipe', 'ignore', 'pipe'] });
  const lock = { group: child.pid ?? 0, owner: process.pid, port };
  if (lock.group) await writeFolderLock(dir, lock);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const stop = async () => {
    await stopWatched(child);
    await releaseFolderLock(dir, lock);
  };
  try {
    await waitForPort(port, child, 30_000);
  } catch (err) {
    await stop();
    throw new Error(`FerretDB did not start: ${(err as Error).message}\n${stderr}`);
  }
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    engine: 'ferretdb',
    stop: async () => {
      await stop();
      if (temporary) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs "$0" "$@" (the database) until its standard input closes: the starter ended or died. */
const watchdog = '"$0" "$@" & db=$!; read -r _; kill "$db" 2>/dev/null; wait "$db"';

/** Closes the watchdog's pipe and waits for the group to end; SIGKILL after 10 s. */
async function stopWatched(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.end();
  const timer = setTimeout(() => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 10_000);
  await exited;
  clearTimeout(timer);
}

/** FerretDB's command line: SQLite files in `dir`, listening on loopback only. */
export function ferretDbArgs(dir: string, port: number): string[] {
  return [
    '--handler=sqlite',
    `--sqlite-url=file:${dir}/`,
    `--listen-addr=127.0.0.1:${port}`,
    `--state-dir=${dir}`,
    '--telemetry=disable',
    '--debug-addr=-',
    '--log-level=warn',
  ];
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} not open after ${timeoutMs} ms`);
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
