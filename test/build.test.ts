import { spawn, execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/store/embedded-database.js';
import { databaseUri, uniqueDbName } from './helpers/database.js';

const run = promisify(execFile);
const children: Array<ReturnType<typeof spawn>> = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

/** The URI with a database name of its own in the path (the server reads it from there). */
function withDbName(uri: string, dbName: string): string {
  const m = /^(mongodb:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(uri);
  return `${m![1]}/${dbName}${m![2] ?? ''}`;
}

describe('production build', () => {
  it('compiles to dist/ and the compiled server starts and answers /readyz 200', async () => {
    await run('npm', ['run', 'build'], { timeout: 300_000 });
    const port = await freePort();
    // `npm run start:prod`, run as node directly so that killing it leaves no server behind.
    const script = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts['start:prod']!;
    expect(script).toMatch(/^node .*dist\/server\.js$/);
    const child = spawn(process.execPath, script.split(' ').slice(1), {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', SECRETS_KEY: 'ab'.repeat(32), HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', WEB_CHAT_ENABLED: 'true', MONGODB_URI: withDbName(databaseUri(), uniqueDbName('prod_build')) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let status = 0;
    const deadline = Date.now() + 90_000;
    while (status !== 200 && Date.now() < deadline && child.exitCode === null) {
      status = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0);
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(stderr).toBe('');
    expect(status).toBe(200);
    // Served by the compiled code, assets and all.
    expect((await fetch(`http://127.0.0.1:${port}/chat`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/dashboard/assets/dashboard.css`)).status).toBe(200);
  }, 420_000);
});
