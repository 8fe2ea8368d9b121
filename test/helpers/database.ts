import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { inject } from 'vitest';
import { startEmbeddedDatabase } from '../../src/store/embedded-database.js';

export interface TestDatabase {
  uri: string;
  engine: string;
  stop(): Promise<void>;
}

/**
 * The real MongoDB-compatible server for a test run: MONGODB_URI when set, else a mongod from
 * mongodb-memory-server when it can get one, else FerretDB built with Go. Never a fake.
 */
export async function startDatabase(): Promise<TestDatabase> {
  const external = process.env.MONGODB_URI;
  if (external) return { uri: external, engine: 'external (MONGODB_URI)', stop: async () => {} };
  return startEmbeddedDatabase({
    cacheDir: process.env.FERRETDB_CACHE_DIR ?? path.resolve('.cache'),
    log: (line) => console.log(`[test database] ${line}`),
  });
}

/** The URI the global setup started; call inside a test file. */
export function databaseUri(): string {
  return inject('mongoUri');
}

/** A fresh database name for one test file (or one test), so files never see each other's data. */
export function uniqueDbName(label = 'test'): string {
  return `t_${label.replace(/\W+/g, '_').slice(0, 24)}_${randomBytes(4).toString('hex')}`;
}
