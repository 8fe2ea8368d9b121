import { readFileSync } from 'node:fs';
import { satisfies, subset, validRange } from 'semver';
import { describe, expect, it } from 'vitest';

const read = (file: string) => JSON.parse(readFileSync(new URL(`../${file}`, import.meta.url), 'utf8'));
const promised: string = read('package.json').engines.node;
const lock: { packages: Record<string, { version?: string; engines?: { node?: string } | string[] }> } = read('package-lock.json');

describe('the Node versions package.json promises', () => {
  it('are allowed by every installed package (npm ci warns EBADENGINE otherwise)', () => {
    expect(validRange(promised)).not.toBeNull();
    const refusing = Object.entries(lock.packages)
      .filter(([path]) => path !== '')
      .flatMap(([path, pkg]) => {
        const node = Array.isArray(pkg.engines) ? undefined : pkg.engines?.node;
        return node && !subset(promised, node) ? [`${path.replace(/^.*node_modules\//, '')}@${pkg.version} wants node ${node}`] : [];
      });
    expect(refusing).toEqual([]);
  });

  it('include the Node running the tests', () => {
    expect(satisfies(process.version, promised)).toBe(true);
  });
});
