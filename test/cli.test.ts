import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('start-up', () => {
  it('exits 2 with one line naming a bad MONGODB_URI', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { PATH: process.env.PATH, MONGODB_URI: 'not-a-uri' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/MONGODB_URI/);
  });
});
