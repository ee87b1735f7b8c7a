import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Workspace packages resolve to their TypeScript sources in tests, so no build is needed to run them.
const alias = [
  { find: /^@polybot\/shared\/testing$/, replacement: here('./packages/shared/src/testing/index.ts') },
  { find: /^@polybot\/shared$/, replacement: here('./packages/shared/src/index.ts') },
  { find: /^@polybot\/exchange$/, replacement: here('./packages/exchange/src/index.ts') },
  { find: /^@polybot\/strategy-kit$/, replacement: here('./packages/strategy-kit/src/index.ts') },
  // Apps import no other app, but tests may start the simulator in-process as a peer.
  { find: /^@polybot\/simulator$/, replacement: here('./apps/simulator/src/index.ts') },
];

export default defineConfig({
  resolve: { alias },
  test: {
    globals: false,
    setupFiles: [here('./vitest.setup.ts')],
    reporters: process.env.CI ? ['default'] : ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**', '**/*.int.test.ts'],
          env: { POLYBOT_UNIT: '1' },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['packages/*/test/**/*.int.test.ts', 'apps/*/test/**/*.int.test.ts', 'test/**/*.int.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Integration tests start real servers; two files at a time fit a 2-core machine.
          maxWorkers: 2,
        },
      },
    ],
  },
});
