import type { TestProject } from 'vitest/node';
import { startDatabase, startFerretDbForTests, type TestDatabase } from './database.js';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string;
    mongoEngine: string;
    ferretUri: string;
  }
}

const masked = (uri: string) => uri.replace(/\/\/[^@/]*@/, '//***@');

/** Two servers per run, started together and stopped after it: the suite's and a FerretDB. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = await Promise.allSettled([startDatabase(), startFerretDbForTests()]);
  const running = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stopAll = async () => void (await Promise.allSettled(running.map((db) => db.stop())));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await stopAll();
    throw failed.reason;
  }
  const [main, ferret] = running as [TestDatabase, TestDatabase];
  console.log(`[test database] ${main.engine} at ${masked(main.uri)}; FerretDB at ${ferret.uri}`);
  project.provide('mongoUri', main.uri);
  project.provide('mongoEngine', main.engine);
  project.provide('ferretUri', ferret.uri);
  return stopAll;
}
