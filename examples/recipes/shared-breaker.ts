/**
 * Recipe: one circuit breaker shared across many requests.
 *
 * A breaker protects a dependency, not a request: create it once (per dependency, at startup) and
 * pipe every call through `circuitBreaker(breaker)`. The failures of all requests then add up, and
 * once it opens, every request fails fast with `CircuitOpenError` without touching the dependency.
 *
 * The classic mistake is to create the breaker inside the request function: each request gets a
 * fresh, closed breaker that has seen nothing, so it never opens and every request still hits the
 * failing dependency. `main()` runs both and counts the calls that reached it.
 *
 * Run it: `npx tsx examples/recipes/shared-breaker.ts` (no network: the dependency is a stub).
 */
import { pathToFileURL } from 'node:url';
import { defer, filter, firstValueFrom, lastValueFrom, race, timer } from 'rxjs';
import { CircuitBreaker, circuitBreaker, CircuitOpenError, consecutiveFailures } from 'rxjs-resilience';
import type { CircuitState } from 'rxjs-resilience';

/** A stand-in for an inventory service: counts its calls; fails while `down`. */
function createInventory() {
  const inventory = {
    down: false,
    calls: 0,
    async stock(sku: string): Promise<number> {
      inventory.calls++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (inventory.down) throw new Error('inventory: connection refused');
      return sku.length;
    },
  };
  return inventory;
}

const breakerOptions = { name: 'inventory', trip: consecutiveFailures(3), resetTimeout: 100 };

/** Calls `count` requests one after another; returns how each ended. */
async function requests(count: number, call: () => Promise<number>): Promise<string[]> {
  const outcomes: string[] = [];
  for (let i = 0; i < count; i++) {
    outcomes.push(
      await call().then(
        () => 'ok',
        (error: unknown) => (error instanceof CircuitOpenError ? 'fast-fail' : 'failed'),
      ),
    );
  }
  return outcomes;
}

export async function main() {
  // Right: one breaker, shared by every request.
  const inventory = createInventory();
  const breaker = new CircuitBreaker(breakerOptions);
  const states: CircuitState[] = [];
  breaker.state$.subscribe((state) => states.push(state));
  const checkStock = (sku: string) => lastValueFrom(defer(() => inventory.stock(sku)).pipe(circuitBreaker(breaker)));

  inventory.down = true;
  const whileDown = await requests(10, () => checkStock('apple'));
  const callsWhileDown = inventory.calls; // 3: the breaker opened after the third failure

  inventory.down = false;
  // Half-open after resetTimeout. (The breaker's own timer never keeps Node.js alive, so in a
  // script with nothing else running, something must: here the bound of 1 s, an ordinary timer.)
  await firstValueFrom(race(breaker.state$.pipe(filter((state) => state === 'half-open')), timer(1000)));
  const afterRecovery = await requests(3, () => checkStock('apple')); // the first is the probe

  // Wrong: a new breaker for each request never sees more than one failure.
  const inventory2 = createInventory();
  const checkStockWrong = (sku: string) =>
    lastValueFrom(defer(() => inventory2.stock(sku)).pipe(circuitBreaker(new CircuitBreaker(breakerOptions))));
  inventory2.down = true;
  const wrongWhileDown = await requests(10, () => checkStockWrong('apple'));

  return { whileDown, callsWhileDown, afterRecovery, states, wrongWhileDown, wrongCallsWhileDown: inventory2.calls };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (result) => console.log(result),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
