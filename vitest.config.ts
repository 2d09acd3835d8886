import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(`./src/${p}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^rxjs-resilience\/testing$/, replacement: src('testing/index.ts') },
      { find: /^rxjs-resilience\/prometheus$/, replacement: src('prometheus/index.ts') },
      { find: /^rxjs-resilience$/, replacement: src('index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Type tests (*.test-d.ts): inference of every operator's output and callback contexts,
    // checked by tsc and reported as tests.
    typecheck: { enabled: true, include: ['test/types/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'text'],
      thresholds: { lines: 95, branches: 95, functions: 95, statements: 95 },
    },
  },
});
