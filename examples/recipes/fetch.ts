/**
 * Recipe: protecting a `fetch` call.
 *
 * - `defer` makes each subscription a new request, so each retry really calls again; an
 *   AbortController cancels the request when the subscription ends early (the timeout expired,
 *   the caller unsubscribed), so a timed-out request does not linger.
 * - A non-2xx answer becomes an `HttpError`, so the retry, the breaker and the fallback see it.
 * - Only transient failures are retried (5xx, network errors, timeouts), never a 4xx; a 4xx is
 *   not the dependency failing either, so the breaker does not count it.
 * - `resilient(...)` composes it all in the right order: fallback → retry → breaker → timeout per
 *   attempt → the request.
 *
 * Run it: `npx tsx examples/recipes/fetch.ts` (it starts its own server on 127.0.0.1).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { defer, finalize, firstValueFrom, from, of, throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import { CircuitBreaker, consecutiveFailures, resilient } from 'rxjs-resilience';

export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly url: string,
  ) {
    super(`${url} answered ${status}`);
  }
}

/** GET `url` as JSON: one request per subscription, aborted when unsubscribed. */
export function fetchJson<T>(url: string, init: RequestInit = {}): Observable<T> {
  return defer(() => {
    const controller = new AbortController();
    const body = fetch(url, { ...init, signal: controller.signal }).then(async (res) => {
      if (!res.ok) {
        await res.body?.cancel();
        throw new HttpError(res.status, url);
      }
      return (await res.json()) as T;
    });
    return from(body).pipe(finalize(() => controller.abort()));
  });
}

const isClientError = (error: unknown) => error instanceof HttpError && error.status < 500;

export interface User {
  id: string;
  name: string;
}

/** A client of the users API: one breaker for the API, shared by every call. */
export function createUsersClient(baseUrl: string, { timeout = 1000 } = {}) {
  const breaker = new CircuitBreaker({
    name: 'users-api',
    trip: consecutiveFailures(5),
    resetTimeout: 10_000,
    isFailure: (error) => !isClientError(error),
  });
  return {
    breaker,
    /** The user, or `null` when there is none (404). */
    getUser: (id: string): Observable<User | null> =>
      fetchJson<User>(`${baseUrl}/users/${encodeURIComponent(id)}`).pipe(
        resilient({
          name: 'users-api',
          timeout, // each attempt
          retry: {
            maxRetries: 3,
            initialDelay: 50,
            maxDelay: 1000,
            jitter: 'full',
            shouldRetry: (e) => !isClientError(e),
          },
          circuitBreaker: breaker,
          fallback: (error) =>
            error instanceof HttpError && error.status === 404 ? of(null) : throwError(() => error),
        }),
      ),
  };
}

/** Starts a flaky users API on 127.0.0.1, calls it, and returns what happened. */
export async function main() {
  const requests: string[] = [];
  let aborted = 0;
  const answered: Array<Promise<void>> = [];
  let flaky = 2; // the first two requests for /users/42 fail
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/users/42' && flaky-- > 0) return res.writeHead(503).end();
    if (req.url === '/users/42') return res.end(JSON.stringify({ id: '42', name: 'Ada' }));
    if (req.url === '/users/slow') {
      const answer = setTimeout(() => res.end('{}'), 5000);
      // The client's timeout aborts the request: the connection closes before the answer.
      answered.push(
        new Promise((resolve) =>
          res.on('close', () => {
            if (!res.writableFinished) aborted++;
            clearTimeout(answer);
            resolve();
          }),
        ),
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { getUser, breaker } = createUsersClient(base);
  const user = await firstValueFrom(getUser('42')); // 503, 503, then 200
  const missing = await firstValueFrom(getUser('7')); // 404: not retried, null
  // Each attempt times out after 100 ms and is aborted; after 3 retries the timeout propagates.
  const slow = await firstValueFrom(createUsersClient(base, { timeout: 100 }).getUser('slow')).catch(
    (error: unknown) => (error as Error).name,
  );

  await Promise.all(answered); // every slow request has ended (each aborted by its timeout)
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  return { user, missing, slow, requests, aborted, breaker: breaker.snapshot() };
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
