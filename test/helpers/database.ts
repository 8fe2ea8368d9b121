import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { inject } from 'vitest';
import { startFerretDb, tryMemoryServer } from '../../src/store/embedded-database.js';
import { startMongoJavaServer } from './mongo-java-server.js';

export { startFerretDbProcess, type FerretDbProcess } from './ferretdb-process.js';

export interface TestDatabase {
  uri: string;
  engine: string;
  stop(): Promise<void>;
}

const cacheDir = () => process.env.FERRETDB_CACHE_DIR ?? path.resolve('.cache');
const log = (line: string) => console.log(`[test database] ${line}`);

/**
 * The suite's server, a real one and never a fake: MONGODB_URI when set, else a mongod from
 * mongodb-memory-server when it can get one (SURVEY_BOT_SKIP_MONGOD=1 skips it), else
 * mongo-java-server. All three are atomic per document, as production's MongoDB is, so tests of
 * concurrency and duplicates mean something; FerretDB 1.24 is not (see docs/ARCHITECTURE.md).
 */
export async function startDatabase(): Promise<TestDatabase> {
  const external = process.env.MONGODB_URI;
  if (external) return { uri: external, engine: 'external (MONGODB_URI)', stop: async () => {} };
  const mongod = await tryMemoryServer({ cacheDir: cacheDir() }, log);
  if (mongod) return mongod;
  // Two test files run at a time (one stores 300,000 messages): room beyond the 256 MB one at a time
  // needed (a local run with two at a time once lost the server mid-way with 256 MB).
  return startMongoJavaServer({ cacheDir: cacheDir(), log, heap: '1g' });
}

/** FerretDB with throw-away data, for the tests that must run on what `npm start` embeds. */
export function startFerretDbForTests(): Promise<TestDatabase> {
  return startFerretDb({ cacheDir: cacheDir() }, log);
}

/** The URI of the suite's server (global setup); call inside a test file. */
export function databaseUri(): string {
  return inject('mongoUri');
}

/** Which server databaseUri() is: 'mongo-java-server', 'mongodb-memory-server' or 'external (MONGODB_URI)'. */
export function databaseEngine(): string {
  return inject('mongoEngine');
}

/** The URI of the run's shared FerretDB (global setup), for tests of FerretDB itself; never kill it. */
export function ferretDbUri(): string {
  return inject('ferretUri');
}

/** A fresh database name for one test file (or one test), so files never see each other's data. */
export function uniqueDbName(label = 'test'): string {
  return `t_${label.replace(/\W+/g, '_').slice(0, 24)}_${randomBytes(4).toString('hex')}`;
}
