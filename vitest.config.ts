import os from 'node:os';
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
    // Forks, vitest's default pool: a test file that sets process.env (NO_COLOR) must not change it for another.
    pool: 'forks',
    // Vitest's default is a worker per core but one; much of this suite waits on the programs it runs
    // (git, npm, nginx, tsc, portbook itself), so even a two-core machine runs two files at a time:
    // 40 s instead of 60 s there.
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
  },
});
