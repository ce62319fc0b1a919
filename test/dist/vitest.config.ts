import { defineConfig } from 'vitest/config';

// The black-box suite of the built packages: no source aliases, no `source` condition.
export default defineConfig({
  test: {
    root: 'test/dist',
    include: ['**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // One target at a time, files in order: the suite shares the target's state.
    fileParallelism: false,
  },
});
