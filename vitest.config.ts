import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: { name: 'server', include: ['test/**/*.test.ts'], exclude: ['test/browser/**'], testTimeout: 60_000, hookTimeout: 120_000 },
      },
      {
        // The dashboard in headless Chromium against a real server: built first, given time (never timed).
        extends: true,
        test: { name: 'browser', include: ['test/browser/**/*.test.ts'], globalSetup: ['test/browser/build-dashboard.ts'], testTimeout: 300_000, hookTimeout: 180_000 },
      },
    ],
  },
});
