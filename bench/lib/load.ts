/** Running the load generator and the floor, each in a process of its own, from spec files. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BSON } from 'mongodb';
import type { FloorPhase, FloorSpec } from '../floor.js';
import type { LoadPhase, LoadResult } from '../load-generator.js';
import type { PreparedRequest } from './customers.js';
import { runNodeScript } from './processes.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'survey-bench-'));
let files = 0;
const specFile = (text: string) => {
  const file = path.join(scratch, `spec-${++files}.json`);
  writeFileSync(file, text);
  return file;
};

export type { LoadResult };

/** One phase of load: these requests against `url`, CPU of `watch` and RSS of `rssOf` measured around it. */
export function phase(name: string, url: string, requests: PreparedRequest[], options: Omit<LoadPhase, 'name' | 'url' | 'requests'>): LoadPhase {
  return { name, url, requests: requests.map(({ method, path: p, headers, body }) => ({ method, path: p, headers, body })), ...options };
}

/** Background work a reply sets going (a receipt, owner alerts) is done within this after the last answer. */
const settleMs = 300;

export function runLoad(phases: LoadPhase[]): Promise<LoadResult[]> {
  return runNodeScript<LoadResult[]>('bench/load-generator.ts', [specFile(JSON.stringify({ phases, settleMs }))], { timeoutMs: 900_000 });
}

export function runFloor(spec: FloorSpec): Promise<FloorPhase[]> {
  return runNodeScript<FloorPhase[]>('bench/floor.ts', [specFile(BSON.EJSON.stringify(spec, { relaxed: false }))], { timeoutMs: 900_000 });
}
