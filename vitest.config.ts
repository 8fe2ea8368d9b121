import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 20_000,
    // Two files at a time even on two cores (vitest's default is one fewer worker than cores): much
    // of a file's time is waiting on the database servers, child processes and timers.
    maxWorkers: 2,
    // expect.poll waits up to 1 s by default: too little for a browser's round trip when two files
    // share the two cores (the widget test once timed out at 1 s). It returns at the first success.
    expect: { poll: { timeout: 10_000 } },
    // The first run builds FerretDB with Go (about two minutes on two cores) and fetches
    // mongo-java-server with Maven (seconds).
    hookTimeout: 300_000,
    teardownTimeout: 30_000,
  },
});
