/**
 * A controllable upstream: the "pricing API" the demo service depends on. A real HTTP server on
 * 127.0.0.1 (port 0: a free port), answering `GET /price/:sku` with JSON.
 *
 * Its behaviour is set with `setMode(...)`, or over HTTP with `POST /__control` and a JSON body of
 * the same shape, so a scenario (or you, with curl) can make it fail, slow down or recover:
 *
 *   { "kind": "ok",   "latency": 30 }              answers after 30 ms
 *   { "kind": "ok",   "latency": { "min": 20, "max": 60 } }
 *   { "kind": "fail", "status": 503, "latency": 5 } answers 503 after 5 ms
 *
 * `schedule([{ after, mode }, …])` changes the mode on a timer, for unattended runs.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type UpstreamLatency = number | { min: number; max: number };

export type UpstreamMode =
  { kind: 'ok'; latency?: UpstreamLatency } | { kind: 'fail'; status?: number; latency?: UpstreamLatency };

export interface UpstreamStats {
  /** Requests received on `/price/:sku`, whatever the answer. */
  requests: number;
  /** Requests answered with a price. */
  ok: number;
  /** Requests answered with an error status. */
  failed: number;
  /** Requests whose client went away before the answer (e.g. the caller's timeout aborted them). */
  aborted: number;
}

export interface Upstream {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly stats: Readonly<UpstreamStats>;
  readonly mode: UpstreamMode;
  setMode(mode: UpstreamMode): void;
  /** Changes the mode at each step's `after` (ms from now); returns a function that cancels the rest. */
  schedule(steps: ReadonlyArray<{ after: number; mode: UpstreamMode }>): () => void;
  close(): Promise<void>;
}

/** A deterministic-looking price per SKU, so cached and fresh answers can be compared. */
const priceOf = (sku: string) => [...sku].reduce((sum, c) => sum + c.charCodeAt(0), 0) / 10;

function draw(latency: UpstreamLatency | undefined): number {
  if (latency === undefined) return 0;
  return typeof latency === 'number' ? latency : latency.min + Math.random() * (latency.max - latency.min);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

export async function startUpstream(initial: UpstreamMode = { kind: 'ok' }): Promise<Upstream> {
  let mode = initial;
  const stats: UpstreamStats = { requests: 0, ok: 0, failed: 0, aborted: 0 };
  const timers = new Set<NodeJS.Timeout>();
  let closed: Promise<void> | undefined;

  const answerPrice = (sku: string, res: ServerResponse) => {
    stats.requests++;
    const current = mode; // the mode when the request arrived decides its answer
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (res.destroyed) return;
      if (current.kind === 'fail') {
        stats.failed++;
        res.writeHead(current.status ?? 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'pricing backend unavailable' }));
      } else {
        stats.ok++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ sku, price: priceOf(sku), at: new Date().toISOString() }));
      }
    }, draw(current.latency));
    timers.add(timer);
    res.on('close', () => {
      if (!res.writableFinished) {
        stats.aborted++;
        clearTimeout(timer);
        timers.delete(timer);
      }
    });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://upstream');
    const price = /^\/price\/([\w-]+)$/.exec(url.pathname);
    if (req.method === 'GET' && price) return answerPrice(price[1]!, res);
    if (req.method === 'POST' && url.pathname === '/__control') {
      readBody(req).then(
        (body) => {
          mode = JSON.parse(body) as UpstreamMode;
          res.writeHead(204).end();
        },
        () => res.writeHead(400).end(),
      );
      return;
    }
    res.writeHead(404).end();
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    get mode() {
      return mode;
    },
    setMode(next) {
      mode = next;
    },
    schedule(steps) {
      const pending = steps.map(({ after, mode: next }) => setTimeout(() => (mode = next), after));
      return () => pending.forEach(clearTimeout);
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }));
    },
  };
}
