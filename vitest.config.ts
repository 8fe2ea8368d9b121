import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 20_000,
    // Two files at a time even on two cores (vitest's default is one fewer worker than cores): much
    // of a file's time is waiting on the database servers, child processes and timers.
    maxWorkers: 2,
    // The first run builds FerretDB with Go (about two minutes on two cores) and fetches
    // mongo-java-server with Maven (seconds).
    hookTimeout: 300_000,
    teardownTimeout: 30_000,
  },
});
