import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { logBuffer, loggerOptions } from '../src/logger.js';

const root = path.resolve(import.meta.dirname, '..');

/** Runs `code` in a Node process with the server's logger; its stdout, and when each chunk arrived (ms after start). */
function run(code: string): Promise<{ chunks: Array<{ at: number; text: string }>; code: number | null }> {
  const script = `import pino from 'pino'; import { loggerOptions } from './src/logger.ts'; const opts = loggerOptions('info', []); const log = pino(opts, opts.stream); ${code}`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
  const started = Date.now();
  const chunks: Array<{ at: number; text: string }> = [];
  child.stdout.on('data', (c: Buffer) => chunks.push({ at: Date.now() - started, text: c.toString() }));
  return new Promise((resolve) => child.once('close', (exitCode) => resolve({ chunks, code: exitCode })));
}

describe('the server log on standard output', () => {
  it('is written in blocks, not a system call per line', () => {
    const { stream } = loggerOptions('info', []);
    expect(stream).toMatchObject({ sync: false, minLength: logBuffer.minLength });
    expect(logBuffer.minLength).toBeGreaterThanOrEqual(4_096);
  });

  it('many lines reach stdout in a few writes, and all of them when the process crashes', async () => {
    const { chunks, code } = await run(`for (let i = 0; i < 200; i++) log.info({ i }, 'line'); setTimeout(() => { throw new Error('crash'); }, 10);`);
    const lines = chunks.map((c) => c.text).join('').trim().split('\n');
    expect(code).toBe(1);
    expect(lines.map((l) => (JSON.parse(l) as { i: number }).i)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(chunks.length).toBeLessThan(40);
  }, 30_000);

  it('a lone line still arrives within about a second', async () => {
    const { chunks } = await run(`log.info('alone'); setTimeout(() => process.exit(0), 4_000);`);
    expect(chunks.map((c) => c.text).join('')).toContain('"msg":"alone"');
    // Start-up of the child (tsx) is in it too: well before the exit at 4 s is what counts.
    expect(chunks[0]!.at).toBeLessThan(4_000);
  }, 30_000);
});
