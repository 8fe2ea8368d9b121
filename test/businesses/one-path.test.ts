import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTestServer } from '../helpers/build.js';
import { runScenarios } from '../scenarios/run-scenarios.js';

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : Promise.resolve(e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []))));
  return nested.flat();
}

/** Nothing but the start-up step (and the alias of the un-prefixed routes) tells the environment's business from another. */
describe('one path for every business', () => {
  it('reads the environment business id only where the environment is read', async () => {
    const readers: string[] = [];
    for (const file of await sourceFiles('src')) {
      if ((await readFile(file, 'utf8')).includes('environmentBusinessId')) readers.push(file.split(path.sep).join('/'));
    }
    // environment-business.ts: the start-up step and the alias (`businessOfPath`); the command-line
    // tools name it only as the default of `--business`. API_KEY is a stored key like any other.
    expect(readers.sort()).toEqual(['src/businesses/environment-business.ts', 'src/cli/api-key.ts', 'src/cli/counters.ts']);
  });

  it("names the environment's business nowhere else", async () => {
    const naming: string[] = [];
    for (const file of await sourceFiles('src')) {
      if (/['"`]default['"`]/.test(await readFile(file, 'utf8'))) naming.push(file.split(path.sep).join('/'));
    }
    // The store brings forward records written before businesses had ids (an upgrade, once).
    expect(naming.sort()).toEqual(['src/businesses/environment-business.ts', 'src/store/index.ts']);
  });

  it("has no decorations for one business's services: every reader goes through the directory", async () => {
    const server = await buildTestServer();
    try {
      for (const name of ['surveys', 'staff', 'digests', 'pipeline', 'businessChannels']) expect(server.app.hasDecorator(name), name).toBe(false);
      expect((await server.app.businesses.get('default'))?.settings.id).toBe('default');
    } finally {
      await server.close();
    }
  });
});

// The whole scenario suite, every channel, on a business created through the operator API while the
// server runs (scenarios.test.ts runs it on the environment's business): the same answers in, the
// same stored results out.
runScenarios('api');
