/**
 * The demo service: a small node:http server whose `GET /price/:sku` calls an upstream pricing API
 * through one protected pipeline, built from `registry.dependency(...)`:
 *
 *   drain → fallback to the last good price → retry (jitter, retry budget) → circuit breaker
 *         → bulkhead → health tracker → timeout per attempt → fetch
 *
 * Endpoints:
 *   GET /price/:sku          200 (header x-served-by: upstream | cache), 429 when the bulkhead is
 *                            full, 503 while draining or when nothing can answer
 *   GET /health/ready        200, or 503 from the moment the service drains
 *   GET /health/resilience   the registry's snapshot as JSON
 *   GET /metrics             Prometheus text (its own prom-client Registry)
 *
 * `close()` is what a SIGTERM handler calls: readiness goes 503, new requests are refused, the
 * requests in flight finish, then the listener closes.
 */
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defer, finalize, firstValueFrom, from, map, of, tap } from 'rxjs';
import type { Observable } from 'rxjs';
import { Registry as PromRegistry } from 'prom-client';
import {
  BulkheadRejectedError,
  CircuitOpenError,
  consecutiveFailures,
  Drainer,
  DrainingError,
  DrainTimeoutError,
  drainUntilComplete,
  fallback,
  ResilienceRegistry,
  RetryBudget,
} from 'rxjs-resilience';
import type { Dependency, DrainResult } from 'rxjs-resilience';
import { registerResilienceMetrics } from 'rxjs-resilience/prometheus';

/** Every duration of the service, in ms: the scenario scales them, the test compresses them. */
export interface ServiceTimings {
  /** Limit on each attempt to call the upstream. */
  timeout: number;
  /** Delay before the first retry (full jitter), and the cap on every retry delay. */
  retryInitialDelay: number;
  retryMaxDelay: number;
  /** How long the breaker stays open before it lets one probe through (half-open). */
  resetTimeout: number;
  /** How long a request may wait for a bulkhead permit. */
  queueTimeout: number;
  /** The retry budget's sliding window. */
  budgetWindow: number;
  /** How long a drain waits for the requests in flight before ending them. */
  drainTimeout: number;
  /**
   * After `close()` starts, keep accepting connections (answering 503) at least this long, so a
   * load balancer polling /health/ready sees the 503 before the port goes away.
   */
  shutdownGrace: number;
}

export const defaultTimings: ServiceTimings = {
  timeout: 500,
  retryInitialDelay: 100,
  retryMaxDelay: 400,
  resetTimeout: 2000,
  queueTimeout: 1000,
  budgetWindow: 10_000,
  drainTimeout: 5000,
  shutdownGrace: 0,
};

export interface ServiceOptions {
  /** Base URL of the pricing API, e.g. `http://127.0.0.1:4123`. */
  upstreamUrl: string;
  timings?: Partial<ServiceTimings>;
  /** Calls to the upstream in flight at once, and calls that may wait for a permit. */
  maxConcurrent?: number;
  maxQueue?: number;
  /** Consecutive failures that open the breaker. */
  failureThreshold?: number;
}

/** What the service answered, counted when each response is finished. */
export interface ServiceStats {
  /** Requests to /price/:sku. */
  requests: number;
  /** 200 with a fresh price from the upstream. */
  fresh: number;
  /** 200 with the last good price, because the upstream call failed (the fallback). */
  fromCache: number;
  /** 429: the bulkhead was full. */
  rejected: number;
  /** 503: the service was draining when the request arrived. */
  refusedDraining: number;
  /** 503: the upstream failed and nothing was cached for that SKU. */
  unavailable: number;
  /** Requests in flight when the drain started, and how they ended. */
  inFlightAtDrain: number;
  finishedAfterDrain: number;
  /** In flight at the drain and never answered (or ended by the drain timeout): must be 0. */
  lostAtDrain: number;
}

export interface Price {
  sku: string;
  price: number;
  at: string;
}

export interface Service {
  readonly server: Server;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly registry: ResilienceRegistry;
  readonly pricing: Dependency;
  readonly budget: RetryBudget;
  readonly drainer: Drainer;
  readonly stats: Readonly<ServiceStats>;
  readonly timings: Readonly<ServiceTimings>;
  /** Graceful shutdown (what SIGTERM does); idempotent: every call returns the same promise. */
  close(): Promise<DrainResult>;
}

/** The upstream answered with an error status. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    readonly status: number,
    url: string,
  ) {
    super(`${url} answered ${status}`);
  }
}

/**
 * One GET per subscription (so each retry is a new request), aborted when unsubscribed: a timeout
 * or a client that went away cancels the request to the upstream too.
 */
function getJson<T>(url: string): Observable<T> {
  return defer(() => {
    const controller = new AbortController();
    const response = fetch(url, { signal: controller.signal }).then(async (res) => {
      if (!res.ok) {
        await res.body?.cancel();
        throw new UpstreamError(res.status, url);
      }
      return (await res.json()) as T;
    });
    return from(response).pipe(finalize(() => controller.abort()));
  });
}

/** Worth another attempt: not a fast-fail of our own breaker or bulkhead, not a 4xx. */
const isTransient = (error: unknown) =>
  !(error instanceof CircuitOpenError) &&
  !(error instanceof BulkheadRejectedError) &&
  !(error instanceof UpstreamError && error.status < 500);

export async function createService(options: ServiceOptions): Promise<Service> {
  const timings: ServiceTimings = { ...defaultTimings, ...options.timings };
  const { upstreamUrl, maxConcurrent = 10, maxQueue = 10, failureThreshold = 5 } = options;

  // --- resilience: one registry for the service, one dependency for the pricing API ---
  const registry = new ResilienceRegistry();
  // Across all requests, at most 5 retries plus 5% of the calls within the window: an outage
  // cannot turn into a retry storm on top of the normal traffic.
  const budget = registry.add(
    new RetryBudget({ name: 'pricing', maxRetries: 5, ratio: 0.05, window: timings.budgetWindow }),
  );
  const drainer = registry.add(new Drainer({ name: 'http', drainTimeout: timings.drainTimeout }));
  const pricing = registry.dependency('pricing', {
    type: 'externalApi',
    maxConcurrent,
    maxQueue,
    queueTimeout: timings.queueTimeout,
    timeout: timings.timeout,
    circuitBreaker: { trip: consecutiveFailures(failureThreshold), resetTimeout: timings.resetTimeout },
    retry: {
      maxRetries: 2,
      initialDelay: timings.retryInitialDelay,
      maxDelay: timings.retryMaxDelay,
      jitter: 'full',
      budget,
      shouldRetry: isTransient,
    },
  });

  const promRegistry = new PromRegistry();
  const metrics = registerResilienceMetrics(registry, { register: promRegistry });

  // The last good price of each SKU: what the fallback serves.
  const lastGood = new Map<string, Price>();

  const getPrice = (sku: string) =>
    getJson<Price>(`${upstreamUrl}/price/${encodeURIComponent(sku)}`).pipe(
      tap((price) => lastGood.set(sku, price)),
      map((price) => ({ price, servedBy: 'upstream' as const })),
      // timeout → health → bulkhead → breaker → retry, in that order (innermost first).
      pricing.protect(),
      // The fallback serves a stale price for any failure of the dependency, but not for a full
      // bulkhead: that is load shedding, answered 429. (resilient's own `fallback` has no `when`;
      // hence this operator, placed where resilient would put it: just outside the retry.)
      fallback(
        (error) => {
          const cached = lastGood.get(sku);
          if (!cached) throw error;
          return of({ price: cached, servedBy: 'cache' as const });
        },
        { when: (error) => !(error instanceof BulkheadRejectedError), name: 'pricing', registry },
      ),
      // Outermost: each request is one call in flight for the drain.
      drainUntilComplete(drainer),
    );

  // --- HTTP ---
  const stats: ServiceStats = {
    requests: 0,
    fresh: 0,
    fromCache: 0,
    rejected: 0,
    refusedDraining: 0,
    unavailable: 0,
    inFlightAtDrain: 0,
    finishedAfterDrain: 0,
    lostAtDrain: 0,
  };
  /** Price requests in flight, and whether each was in flight when the drain started. */
  const inFlight = new Map<ServerResponse, { atDrain: boolean; lost: boolean }>();

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const handlePrice = (sku: string, res: ServerResponse) => {
    stats.requests++;
    const entry = { atDrain: false, lost: false };
    inFlight.set(res, entry);
    const subscription = getPrice(sku).subscribe({
      next: ({ price, servedBy }) => {
        stats[servedBy === 'upstream' ? 'fresh' : 'fromCache']++;
        json(res, 200, { ...price, stale: servedBy === 'cache' }, { 'x-served-by': servedBy });
      },
      error: (error: unknown) => {
        if (error instanceof BulkheadRejectedError) {
          stats.rejected++;
          json(res, 429, { error: 'busy, try again' }, { 'retry-after': '1' });
        } else if (error instanceof DrainingError) {
          stats.refusedDraining++;
          json(res, 503, { error: 'shutting down' }, { connection: 'close' });
        } else if (error instanceof DrainTimeoutError) {
          entry.lost = true;
          json(res, 503, { error: 'shutting down' }, { connection: 'close' });
        } else {
          stats.unavailable++;
          json(res, 503, { error: 'pricing unavailable' });
        }
      },
    });
    res.on('close', () => {
      // A client that went away cancels its call (and frees its bulkhead permit).
      subscription.unsubscribe();
      inFlight.delete(res);
      if (entry.atDrain) {
        if (res.writableFinished && !entry.lost) stats.finishedAfterDrain++;
        else stats.lostAtDrain++;
      }
    });
  };

  const server = createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://service');
    const price = /^\/price\/([\w-]+)$/.exec(pathname);
    if (req.method !== 'GET') return json(res, 405, { error: 'method not allowed' });
    if (price) return handlePrice(price[1]!, res);
    switch (pathname) {
      case '/health/ready': {
        const { ready } = registry.snapshot();
        return json(res, ready ? 200 : 503, { ready });
      }
      case '/health/resilience':
        return json(res, 200, registry.snapshot());
      case '/metrics':
        promRegistry.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': promRegistry.contentType });
            res.end(text);
          },
          (error: unknown) => json(res, 500, { error: String(error) }),
        );
        return;
      default:
        return json(res, 404, { error: 'not found' });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  let closing: Promise<DrainResult> | undefined;
  const close = () =>
    (closing ??= (async () => {
      for (const entry of inFlight.values()) entry.atDrain = true;
      stats.inFlightAtDrain = inFlight.size;
      const grace = new Promise((resolve) => setTimeout(resolve, timings.shutdownGrace));
      // From here on readiness is 503 and new requests are refused; the ones in flight go on.
      const [result] = await Promise.all([firstValueFrom(drainer.drain()), grace]);
      // Nothing in flight any more: stop listening; idle keep-alive connections are closed.
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      metrics.unregister();
      return result;
    })());

  return {
    server,
    url: `http://127.0.0.1:${port}`,
    registry,
    pricing,
    budget,
    drainer,
    stats,
    timings,
    close,
  };
}
