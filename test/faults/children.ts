import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';

/**
 * Every child process a fault test started and has not seen exit. They are SIGKILLed when the test
 * process exits or is told to stop, so a failed or aborted run leaves no server or database behind.
 */
const live = new Set<ChildProcess>();
let hooked = false;

function killAll(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

export function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!hooked) {
    hooked = true;
    process.once('exit', killAll);
    // Kill the children, then let the signal do what it would have done.
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
      const onSignal = () => {
        killAll();
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      };
      process.once(signal, onSignal);
    }
  }
  return child;
}

export function isRunning(child: ChildProcess | undefined): boolean {
  return !!child && child.exitCode === null && child.signalCode === null;
}

/** "code 2" or "SIGKILL": how a child ended. */
export function howItEnded(child: ChildProcess | undefined): string {
  return child?.signalCode ?? `code ${child?.exitCode}`;
}

/** SIGKILL a child and wait until it is gone (its ports are free then). */
export async function sigkill(child: ChildProcess | undefined): Promise<void> {
  if (!child || !isRunning(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

/** The last few kilobytes a child wrote, for the error message when it does not come up. */
export function keepTail(child: ChildProcess, limit = 6_000): () => string {
  let tail = '';
  const add = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-limit);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => tail;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
