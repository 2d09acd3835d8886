import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    testing: 'src/testing/index.ts',
    prometheus: 'src/prometheus/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2020',
  // rxjs and prom-client are peers: never bundle them.
  external: ['rxjs', 'prom-client'],
  splitting: true,
  treeshake: true,
});
