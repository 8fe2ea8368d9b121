/**
 * The embedded database of `npm start`: one FerretDB per data folder, none left behind when the
 * server is SIGKILLed, its files readable by the owner only.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/store/embedded-database.js';
import { readFolderLock } from '../../src/store/data-folder-lock.js';
import { startServerProcess, type ServerProcess } from '../faults/server-process.js';

const run = promisify(execFile);
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

/** Pids of the FerretDB processes whose state folder is `dir`. */
async function databasesOn(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const args = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const argv = args.split('\0');
    if (path.basename(argv[0] ?? '') === 'ferretdb' && argv.includes(`--state-dir=${dir}`)) pids.push(Number(entry));
  }
  return pids;
}

async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

async function startBot(dataDir: string, port: number): Promise<ServerProcess> {
  const server = await startServerProcess({ DATA_DIR: dataDir, SURVEY_BOT_SKIP_MONGOD: '1', SWEEP_INTERVAL: '0', LOG_LEVEL: 'warn' }, port);
  cleanups.push(() => server.stop());
  return server;
}

describe('the embedded database of npm start', () => {
  it('leaves no database behind after a SIGKILL, runs one per data folder, and keeps its files private', { timeout: 180_000 }, async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'embedded-'));
    const dir = path.join(dataDir, 'ferretdb');
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const port = await freePort();

    const first = await startBot(dataDir, port);
    expect(await databasesOn(dir)).toHaveLength(1);
    expect((await stat(dir)).mode & 0o077).toBe(0);

    await first.kill();
    expect(await eventually(async () => (await databasesOn(dir)).length === 0, 10_000)).toBe(true);

    // Restarted: one database again, and a command-line tool on the same folder uses it instead of a second.
    const second = await startBot(dataDir, port);
    expect(await databasesOn(dir)).toHaveLength(1);
    const cli = (...args: string[]) =>
      run(process.execPath, ['--import', 'tsx', 'src/cli/business.ts', ...args], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, SURVEY_BOT_SKIP_MONGOD: '1' },
        timeout: 60_000,
      });
    await cli('add', '--id', 'corner_shop', '--name', 'Corner Shop');
    expect((await cli('list')).stdout).toContain('corner_shop');
    expect(await databasesOn(dir)).toHaveLength(1);
    await second.kill();
    expect(await eventually(async () => (await databasesOn(dir)).length === 0, 10_000)).toBe(true);
  });

  it('ends a database whose starter and watchdog were both killed before starting its own', { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'embedded-orphan-'));
    const dir = path.join(dataDir, 'ferretdb');
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const port = await freePort();

    const first = await startBot(dataDir, port);
    const lock = await readFolderLock(dir);
    expect(lock).toBeDefined();
    const [orphan] = await databasesOn(dir);
    // The watchdog shell dies first (SIGKILL), then the server: the database itself is orphaned.
    process.kill(lock!.group, 'SIGKILL');
    await first.kill();
    expect(await databasesOn(dir)).toEqual([orphan]);

    const second = await startBot(dataDir, port);
    const now = await databasesOn(dir);
    expect(now).toHaveLength(1);
    expect(now).not.toContain(orphan);
    await second.kill();
    expect(await eventually(async () => (await databasesOn(dir)).length === 0, 10_000)).toBe(true);
  });
});
