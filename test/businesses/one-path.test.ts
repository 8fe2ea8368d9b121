import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTestServer } from '../helpers/build.js';

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
    // environment-business.ts: the start-up step and the alias (`businessOfPath`); API_KEY is a key the
    // environment gives that business (v1 auth, and the deprecated /api routes that know no other).
    expect(readers.sort()).toEqual(['src/api/routes.ts', 'src/api/v1/auth.ts', 'src/businesses/environment-business.ts']);
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
