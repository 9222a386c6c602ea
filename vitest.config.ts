import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Property tests run on a fixed seed (test/support/fast-check-seed.ts).
    setupFiles: ['test/support/fast-check-seed.ts'],
    // The SDK's Node 20 end-of-support notice would drown the test output (see src/main.ts).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
