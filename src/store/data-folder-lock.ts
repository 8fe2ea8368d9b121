import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Who runs the embedded database on a data folder: the database's process group, the process that
 * started it and its port. One database per folder: a second start on the same folder reuses the
 * running one while its owner lives, and ends it when the owner is gone (an orphan of a killed server).
 */
export interface FolderLock {
  /** Process group of the database and its watchdog (the watchdog's pid). */
  group: number;
  /** The process that started it (a server or a command-line tool). */
  owner: number;
  port: number;
}

const lockFile = (dir: string) => path.join(dir, 'database.lock');

export async function readFolderLock(dir: string): Promise<FolderLock | undefined> {
  try {
    const lock = JSON.parse(await readFile(lockFile(dir), 'utf8')) as Partial<FolderLock>;
    const valid = [lock.group, lock.owner, lock.port].every((n) => Number.isInteger(n) && (n as number) > 0);
    return valid ? (lock as FolderLock) : undefined;
  } catch {
    return undefined;
  }
}

export async function writeFolderLock(dir: string, lock: FolderLock): Promise<void> {
  await writeFile(lockFile(dir), JSON.stringify(lock), { mode: 0o600 });
}

/** Removes the lock if it is still `lock` (a later start may have written its own). */
export async function releaseFolderLock(dir: string, lock: FolderLock): Promise<void> {
  const current = await readFolderLock(dir);
  if (current && current.group === lock.group) await rm(lockFile(dir), { force: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Ends a database group whose owner died: SIGTERM, then SIGKILL after `graceMs`. */
export async function endOrphanGroup(group: number, graceMs = 5_000): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-group, name);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(-group) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(-group)) signal('SIGKILL');
  while (isAlive(-group)) await new Promise((r) => setTimeout(r, 50));
}
