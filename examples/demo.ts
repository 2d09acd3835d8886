/**
 * `npm run demo`: rxjs-resilience handling a simulated flaky service, in real time, with a
 * readable timeline. Each section protects the same kind of call a service makes to a database
 * or an HTTP API, and prints what each pattern did: attempt, delay, outcome.
 */
import { defer, lastValueFrom, of } from 'rxjs';
import { fallback, OperationTimeoutError, retryWithBackoff, timeoutWith } from 'rxjs-resilience';
import { injectFaults } from 'rxjs-resilience/testing';

const started = Date.now();
const t = () => `${String(Date.now() - started).padStart(5)} ms`;
const log = (line: string) => console.log(`${t()}  ${line}`);
const heading = (title: string) => console.log(`\n── ${title} ${'─'.repeat(Math.max(0, 70 - title.length))}`);

/** A repeatable source of randomness, so the demo tells the same story on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A simulated dependency: each subscription is one call, logged, that answers after `latency` ms
 * or fails (a share `failureRate` of calls, drawn from `random`) with `error`.
 */
function callService(name: string, latency: number, faults: { failureRate?: number; random?: () => number; error?: () => Error } = {}) {
  let calls = 0;
  return defer(() => {
    const n = ++calls;
    log(`  → ${name}: call ${n}`);
    return of(`${name} answered call ${n}`).pipe(injectFaults({ latency, ...faults }));
  });
}

async function retryDemo() {
  heading('retryWithBackoff: a dependency that fails 60% of the time');
  const random = seeded(8);
  const result = await lastValueFrom(
    callService('inventory', 20, { failureRate: 0.6, random, error: () => new Error('ECONNRESET') }).pipe(
      retryWithBackoff({
        maxRetries: 5,
        initialDelay: 100,
        maxDelay: 1000,
        jitter: 'equal',
        random,
        onRetry: ({ attempt, delay, error }) =>
          log(`  ✗ ${(error as Error).message}; retry ${attempt} in ${Math.round(delay)} ms`),
      }),
    ),
  );
  log(`  ✓ ${result}`);
}

async function retryGivesUpDemo() {
  heading('retryWithBackoff: errors that are not worth retrying propagate at once');
  class NotFound extends Error {}
  await lastValueFrom(
    defer(() => {
      log('  → users: GET /users/42');
      throw new NotFound('404 user 42 not found');
    }).pipe(
      retryWithBackoff({ maxRetries: 3, initialDelay: 100, shouldRetry: (e) => !(e instanceof NotFound) }),
      fallback((e) => {
        log(`  ✗ ${(e as Error).message}: not retried`);
        return of(null);
      }),
    ),
  );
}

async function timeoutDemo() {
  heading('timeoutWith: a slow dependency, with and without a fallback');
  try {
    await lastValueFrom(callService('reports', 1000).pipe(timeoutWith({ total: 300, name: 'reports' })));
  } catch (e) {
    const error = e as OperationTimeoutError;
    log(`  ✗ ${error.name} (${error.kind}, ${error.timeout} ms): ${error.message}`);
  }
  const answer = await lastValueFrom(callService('prices', 1000).pipe(timeoutWith(300, of('prices from cache'))));
  log(`  ✓ ${answer} (the fallback after 300 ms)`);
}

async function composedDemo() {
  heading('Composed: timeout each attempt, retry with backoff, fall back to a cached value');
  const random = seeded(3);
  const answer = await lastValueFrom(
    callService('catalog', 400, { failureRate: 0.3, random }).pipe(
      timeoutWith({ total: 200, name: 'catalog' }),
      retryWithBackoff({
        maxRetries: 2,
        initialDelay: 50,
        onRetry: ({ attempt, delay, error }) => log(`  ✗ ${(error as Error).name}; retry ${attempt} in ${delay} ms`),
      }),
      fallback(
        (e) => {
          log(`  ✗ gave up: ${(e as Error).message}`);
          return of('catalog from cache');
        },
        { when: [OperationTimeoutError] },
      ),
    ),
  );
  log(`  ✓ ${answer}`);
}

async function main() {
  console.log('rxjs-resilience demo: a simulated flaky service, in real time.');
  await retryDemo();
  await retryGivesUpDemo();
  await timeoutDemo();
  await composedDemo();
  console.log(`\nDone in ${Date.now() - started} ms.`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
