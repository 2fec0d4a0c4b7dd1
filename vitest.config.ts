import { defineConfig } from 'vitest/config';
import SummaryReporter from './test/support/summary-reporter.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default', new SummaryReporter()],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // 2-core machines: a few files at once keeps PostgreSQL busy without starving it.
    maxWorkers: 3,
  },
});
