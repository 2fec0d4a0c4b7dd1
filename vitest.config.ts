import { defineConfig } from 'vitest/config';
import SummaryReporter from './test/support/summary-reporter.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default', new SummaryReporter()],
    pool: 'forks',
    // A bound that only stops a hang, never a measure: at load 20 on 2 cores (9 engineers' runs at once)
    // a full run took 15 min instead of a few, and three tests hit the old 30 s (issue 21).
    testTimeout: 120_000,
    // set-ups that create lots and run every command once took over 120 s at load 28
    hookTimeout: 300_000,
    // 2-core machines: a few files at once keeps PostgreSQL busy without starving it.
    maxWorkers: 3,
  },
});
