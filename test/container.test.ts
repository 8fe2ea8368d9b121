import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { validate } from 'dockerfile-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/store/embedded-database.js';
import { databaseUri, uniqueDbName } from './helpers/database.js';

const run = promisify(execFile);
const dockerfile = readFileSync('Dockerfile', 'utf8');
const work = mkdtempSync(path.join(tmpdir(), 'survey-bot-image-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

interface Instruction { keyword: string; args: string }

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword!.toUpperCase(), args: rest.join(' ') };
    });
}

/** `["node", "x"]` (exec form) or a shell line, as argv. */
const argv = (args: string): string[] => (args.startsWith('[') ? (JSON.parse(args) as string[]) : ['sh', '-c', args]);

describe('Dockerfile', () => {
  it('has no problem a Dockerfile linter (dockerfile-utils) finds', () => {
    expect(validate(dockerfile).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('builds and starts from its own steps in a clean folder: the compiled server, as a user without privileges, healthy and ready', async () => {
    // Each stage is a folder standing for its WORKDIR; COPY takes from the repository or an earlier
    // stage, RUN runs there with npm offline (from its cache: tests reach nothing but loopback).
    // The image's steps clean their npm cache (`npm cache clean --force`): they get a copy of the
    // user's, hard links (no bytes copied), so the user's own cache is left as it was.
    const userCache = process.env.npm_config_cache ?? path.join(process.env.HOME ?? '/root', '.npm');
    const cache = path.join(work, 'npm-cache');
    if (existsSync(userCache)) await run('cp', ['-al', userCache, cache]);
    const stages = new Map<string, string>();
    let dir = '';
    let env: Record<string, string> = {};
    let user = 'root';
    let cmd: string[] = [];
    let healthcheck: string[] = [];
    for (const { keyword, args } of instructions(dockerfile)) {
      if (keyword === 'FROM') {
        const name = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? 'final';
        dir = path.join(work, name);
        stages.set(name, dir);
        env = {};
        user = 'root';
      } else if (keyword === 'ENV') {
        for (const [, key, value] of args.matchAll(/(\w+)=(\S+)/g)) env[key!] = value!;
      } else if (keyword === 'COPY') {
        const from = /--from=(\S+)/.exec(args)?.[1];
        const parts = args.split(/\s+/).filter((p) => !p.startsWith('--'));
        const target = parts.pop()!;
        for (const source of parts) {
          const origin = from ? path.join(stages.get(from)!, path.relative('/app', source)) : source;
          cpSync(origin, path.join(dir, target, target.endsWith('/') ? path.basename(source) : ''), { recursive: true });
        }
      } else if (keyword === 'RUN') {
        await run('sh', ['-c', args], { cwd: dir, env: { ...process.env, ...env, npm_config_offline: 'true', npm_config_cache: cache }, timeout: 600_000 });
      } else if (keyword === 'USER') user = args;
      else if (keyword === 'CMD') cmd = argv(args);
      else if (keyword === 'HEALTHCHECK') healthcheck = argv(args.replace(/^.*?\bCMD\s+/, ''));
      else if (keyword === 'WORKDIR') expect(args).toBe('/app');
    }
    const image = stages.get('final')!;
    // The user's npm cache is still there (the test ran offline from it, so it was).
    expect(existsSync(path.join(userCache, '_cacache'))).toBe(existsSync(cache));
    expect(user).toBe('node');
    expect(existsSync(path.join(image, 'dist/server.js'))).toBe(true);
    expect(existsSync(path.join(image, 'src'))).toBe(false);
    expect(existsSync(path.join(image, 'node_modules/typescript'))).toBe(false);
    expect(existsSync(path.join(image, 'node_modules/fastify'))).toBe(true);

    const port = await freePort();
    const runtime = { PATH: process.env.PATH!, ...env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', SECRETS_KEY: 'cd'.repeat(32), MONGODB_URI: databaseUri().replace(/\/?(\?|$)/, `/${uniqueDbName('image')}$1`) };
    expect(cmd[0]).toBe('node');
    const server = spawn(process.execPath, cmd.slice(1), { cwd: image, env: runtime, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(server);
    let stderr = '';
    server.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let status = 0;
    for (let i = 0; i < 360 && status !== 200 && server.exitCode === null; i++) {
      status = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0);
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(stderr).toBe('');
    expect(status).toBe(200);
    expect(healthcheck[0]).toBe('node');
    const probe = await run(process.execPath, healthcheck.slice(1), { env: runtime }).then(() => 0, (err: { code?: number }) => err.code ?? 1);
    expect(probe).toBe(0);
  }, 900_000);
});
