import type { TestProject } from 'vitest/node';
import { startDatabase } from './database.js';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string;
  }
}

/** One database server per test run, stopped after it. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const db = await startDatabase();
  console.log(`[test database] ${db.engine} at ${db.uri.replace(/\/\/[^@/]*@/, '//***@')}`);
  project.provide('mongoUri', db.uri);
  return () => db.stop();
}
