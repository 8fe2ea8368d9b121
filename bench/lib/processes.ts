import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { howItEnded, isRunning, keepTail, sigkill, sleep, track } from '../../test/faults/children.js';
import { httpRequest } from '../../test/faults/http.js';

export { sigkill, sleep, track };
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Linux clock ticks per second (`getconf CLK_TCK`), the unit of /proc/<pid>/stat times. */
const ticksPerSecond = 100;

/**
 * CPU time (user + system) a process has used so far, in ms, read from /proc from outside it: what
 * `process.cpuUsage()` would report inside, without adding code to the product. 10 ms resolution.
 */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), from field 3 (state) on.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

/**
 * CPU time a process's threads have run so far, in ms, from /proc/<pid>/task/<tid>/schedstat
 * (nanoseconds, where /proc/<pid>/stat counts 10 ms ticks): for figures of a few milliseconds.
 * A thread that has exited is no longer counted, so read it around work on long-lived threads.
 */
export function threadsCpuMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return ns / 1e6;
}

/** Resident set size of a process, in MiB. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** CPU used by several processes between two moments. */
export function cpuMeter(pids: Record<string, number | undefined>) {
  const read = () => Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, pid ? cpuMs(pid) : 0]));
  const start = read();
  return () => {
    const end = read();
    return Object.fromEntries(Object.keys(start).map((k) => [k, end[k]! - start[k]!]));
  };
}

/** RSS samples of a process every `everyMs`, until stopped. */
export function rssSampler(pid: number, everyMs = 250) {
  const samples: Array<{ t: number; mib: number }> = [];
  const t0 = Date.now();
  const take = () => {
    try {
      samples.push({ t: (Date.now() - t0) / 1000, mib: rssMiB(pid) });
    } catch {
      // the process is gone
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    samples,
    stop() {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

export interface NodeChild {
  child: ChildProcess;
  pid: number;
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * A Node script of the project in a child process (`node --import tsx <script>`; compiled JavaScript
 * without the loader when `loader` is false), with exactly the
 * environment given (plus PATH and HOME). Its stdout goes nowhere unless asked: a server logging at
 * `info` would otherwise cost this process the reading of every line.
 */
export async function startNodeChild(script: string, env: Record<string, string>, options: { port: number; ready?: string; keepStdout?: boolean; nodeArgs?: string[]; cwd?: string; loader?: boolean }): Promise<NodeChild> {
  const child = track(
    spawn(process.execPath, [...(options.nodeArgs ?? []), ...(options.loader === false ? [] : ['--import', 'tsx']), script], {
      // Another checkout of the product (a baseline version) runs from its own folder.
      cwd: options.cwd ?? repoRoot,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', options.keepStdout ? 'pipe' : 'ignore', 'pipe'],
    }),
  );
  const tail = keepTail(child);
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 60_000;
  const readyPath = options.ready ?? '/readyz';
  for (;;) {
    if (!isRunning(child)) throw new Error(`${script} exited (${howItEnded(child)}) before it was ready:\n${tail()}`);
    const res = await httpRequest('GET', `${url}${readyPath}`, { timeoutMs: 3_000 });
    if ('status' in res && res.status === 200) break;
    if (Date.now() > deadline) throw new Error(`${script} not ready within 60 s:\n${tail()}`);
    await sleep(100);
  }
  return { child, pid: child.pid!, url, output: tail, stop: () => sigkill(child) };
}

/** Run a Node script of the project to its end and parse the JSON it prints last. */
export async function runNodeScript<T>(script: string, args: string[], options: { timeoutMs: number }): Promise<T> {
  const child = track(spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${script} ended with ${code ?? 'a signal'}:\n${stderr}`);
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as T;
}
