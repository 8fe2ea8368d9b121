import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 20_000,
    // The first run builds FerretDB with Go (about two minutes on two cores) and fetches
    // mongo-java-server with Maven (seconds).
    hookTimeout: 300_000,
    teardownTimeout: 30_000,
  },
});
