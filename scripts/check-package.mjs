// Checks the built package as a user gets it: `npm pack`, unpacked into a scratch node_modules
// beside rxjs, then loaded with require() and import() from another folder. Also checks that rxjs
// is not bundled into dist.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'rxjs-resilience-pkg-'));
try {
  const tgz = execFileSync('npm', ['pack', '--silent', '--pack-destination', scratch], { cwd: root, encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop();
  const pkgDir = join(scratch, 'node_modules', 'rxjs-resilience');
  mkdirSync(pkgDir, { recursive: true });
  execFileSync('tar', ['-xzf', join(scratch, tgz), '-C', pkgDir, '--strip-components=1']);
  symlinkSync(join(root, 'node_modules', 'rxjs'), join(scratch, 'node_modules', 'rxjs'), 'dir');

  const files = readdirSync(join(pkgDir, 'dist'));
  for (const entry of ['index', 'testing', 'prometheus']) {
    for (const ext of ['.js', '.cjs', '.d.ts', '.d.cts']) {
      if (!files.includes(entry + ext)) throw new Error(`dist/${entry}${ext} missing from the packed package`);
    }
  }
  for (const f of files.filter((f) => /\.c?js$/.test(f))) {
    const text = readFileSync(join(pkgDir, 'dist', f), 'utf8');
    if (/class SafeSubscriber|function createOperatorSubscriber/.test(text)) throw new Error(`dist/${f} bundles rxjs`);
  }

  // prom-client is an optional peer: the main and testing entry points must load without it.
  const cjs = `
    const lib = require('rxjs-resilience');
    const testing = require('rxjs-resilience/testing');
    require('rxjs-resilience/package.json');
    if (typeof lib.retryWithBackoff !== 'function' || typeof testing.injectFaults !== 'function') process.exit(1);
    if (!(new lib.CircuitOpenError('c', 'open', 5) instanceof lib.ResilienceError)) process.exit(2);
    if (typeof new lib.ResilienceRegistry().snapshot !== 'function') process.exit(3);
    console.log('require (without prom-client): ok');
  `;
  const esm = `
    const lib = await import('rxjs-resilience');
    const testing = await import('rxjs-resilience/testing');
    if (typeof lib.retryWithBackoff !== 'function' || typeof testing.injectFaults !== 'function') process.exit(1);
    const { of, lastValueFrom } = await import('rxjs');
    const v = await lastValueFrom(of(1).pipe(lib.resilient({ retry: { maxRetries: 1, initialDelay: 0 }, timeout: 1000 })));
    if (v !== 1) process.exit(2);
    console.log('import (without prom-client): ok');
  `;
  const promCjs = `
    const { ResilienceRegistry } = require('rxjs-resilience');
    const { registerResilienceMetrics, metricNames } = require('rxjs-resilience/prometheus');
    const { Registry } = require('prom-client');
    const register = new Registry();
    registerResilienceMetrics(new ResilienceRegistry(), { register });
    if (!metricNames.circuitBreakerState) process.exit(1);
    console.log('require rxjs-resilience/prometheus (with prom-client): ok');
  `;
  const promEsm = `
    const { ResilienceRegistry } = await import('rxjs-resilience');
    const { registerResilienceMetrics } = await import('rxjs-resilience/prometheus');
    const { Registry } = await import('prom-client');
    const register = new Registry();
    registerResilienceMetrics(new ResilienceRegistry(), { register });
    if (!(await register.metrics()).includes('circuit_breaker_state')) process.exit(1);
    console.log('import rxjs-resilience/prometheus (with prom-client): ok');
  `;
  writeFileSync(join(scratch, 'check.cjs'), cjs);
  writeFileSync(join(scratch, 'check.mjs'), esm);
  writeFileSync(join(scratch, 'prom.cjs'), promCjs);
  writeFileSync(join(scratch, 'prom.mjs'), promEsm);
  execFileSync(process.execPath, ['check.cjs'], { cwd: scratch, stdio: 'inherit' });
  execFileSync(process.execPath, ['check.mjs'], { cwd: scratch, stdio: 'inherit' });
  symlinkSync(join(root, 'node_modules', 'prom-client'), join(scratch, 'node_modules', 'prom-client'), 'dir');
  execFileSync(process.execPath, ['prom.cjs'], { cwd: scratch, stdio: 'inherit' });
  execFileSync(process.execPath, ['prom.mjs'], { cwd: scratch, stdio: 'inherit' });

  // Types resolve for both module systems (node16 resolution) from another folder.
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  writeFileSync(
    join(scratch, 'types.mts'),
    `import { retryWithBackoff, ResilienceRegistry, type RetryOptions } from 'rxjs-resilience';\nimport { injectFaults } from 'rxjs-resilience/testing';\nimport { registerResilienceMetrics } from 'rxjs-resilience/prometheus';\nconst o: RetryOptions = { maxRetries: 1 };\nexport const ops = [retryWithBackoff<number>(o), injectFaults<number>()];\nexport const metrics = registerResilienceMetrics(new ResilienceRegistry());\n`,
  );
  writeFileSync(
    join(scratch, 'types.cts'),
    `import { retryWithBackoff, type RetryOptions } from 'rxjs-resilience';\nimport { injectFaults } from 'rxjs-resilience/testing';\nconst o: RetryOptions = { maxRetries: 1 };\nexport const ops = [retryWithBackoff<number>(o), injectFaults<number>()];\n`,
  );
  writeFileSync(
    join(scratch, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        noEmit: true,
        strict: true,
        module: 'node16',
        moduleResolution: 'node16',
        types: [],
        skipLibCheck: false,
      },
      files: ['types.mts', 'types.cts'],
    }),
  );
  execFileSync(process.execPath, [tsc, '-p', '.'], {
    cwd: scratch,
    stdio: 'inherit',
  });
  console.log('types (node16, ESM and CommonJS): ok');
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
