import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

/**
 * The floors of the house, lowest first: a folder (or file) may import its own floor and those
 * below, never one above. Shared words at the bottom, features in the middle, the server's
 * composition on top.
 */
const floors: Record<string, number> = {
  'src/errors.ts': 1, 'src/logger.ts': 1, 'src/security': 1,
  'src/domain': 2,
  'src/scoring': 3, 'src/dialogs': 3,
  'src/store': 4,
  'src/insights': 5, 'src/privacy': 5, 'src/outbound-webhooks': 5, 'src/content': 5,
  'src/surveys': 6, 'src/links': 6,
  'src/digest': 7, 'src/alerts': 7,
  'src/staff': 8,
  'src/inbound': 9,
  'src/businesses': 10,
  'src/config.ts': 11,
  'src/dashboard': 12, 'src/channels': 12,
  'src/plugins': 13, 'bench': 13,
  'src/api': 14, 'src/cli': 14, 'src/routes': 14,
  'src/app.ts': 15,
  'src/server.ts': 16,
};

/** Imports that still run up a floor, each with what it is waiting for; keep this list short. */
const pending: ReadonlyArray<{ from: string; to: string; why: string }> = [
];

const roomOf = (file: string) => Object.keys(floors).sort((a, b) => b.length - a.length).find((room) => file === room || file.startsWith(`${room}/`));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('layers', () => {
  it('no import runs from a lower floor up to a higher one', () => {
    const upward: string[] = [];
    const unplaced: string[] = [];
    for (const path of [...sourceFiles(join(root, 'src')), ...sourceFiles(join(root, 'bench'))]) {
      const file = relative(root, path);
      const room = roomOf(file);
      // A new folder is given its floor here, or the imports of its files would go unchecked.
      if (!room && !file.endsWith('.d.ts')) unplaced.push(file);
      for (const m of readFileSync(path, 'utf8').matchAll(/(?:from|import\()\s*['"](\.[^'"]+)['"]/g)) {
        const target = relative(root, normalize(join(dirname(path), m[1]!))).replace(/\.js$/, '.ts');
        const to = roomOf(target);
        if (room && to && floors[to]! > floors[room]! && !pending.some((p) => p.from === file && p.to === target)) upward.push(`${file} -> ${target}`);
      }
    }
    expect(unplaced).toEqual([]);
    expect(upward).toEqual([]);
  });
});
