import { defineConfig } from 'vitest/config';

/**
 * Timeouts are hang guards, not budgets: a test or hook that has not finished
 * after five minutes is stuck, whatever else the machine is doing. Nothing in
 * the suite depends on being fast to pass; the slowest test takes seconds on
 * an idle two-core machine and stays well inside these guards beside another
 * CPU-heavy process.
 */
const hangGuard = 5 * 60_000;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: hangGuard,
    hookTimeout: hangGuard,
    teardownTimeout: hangGuard,
  },
});
