/**
 * A load generator in the same process: steady traffic (one request every `interval` ms) plus
 * bursts, against `GET /price/:sku`. Bounded: it never sends more than `maxRequests` requests nor
 * sends after `maxDuration` ms, whatever the scenario does.
 */

export interface RequestRecord {
  /** The scenario phase when the request was sent. */
  phase: string;
  sku: string;
  startedAt: number;
  endedAt?: number;
  /** The HTTP status, or `'error'` when no response came back (connection refused, reset). */
  status?: number | 'error';
  /** `x-served-by` of a 200: `upstream` or `cache`. */
  servedBy?: string;
}

export interface LoadGenOptions {
  baseUrl: string;
  /** ms between two requests of the steady traffic. */
  interval: number;
  skus?: readonly string[];
  maxRequests?: number;
  maxDuration?: number;
  /** The current phase, stamped on each request. */
  phase?: () => string;
}

export interface LoadGen {
  /** The SKUs asked for, in turn. */
  readonly skus: readonly string[];
  readonly records: readonly RequestRecord[];
  /** Requests sent and not answered yet. */
  readonly inFlight: number;
  /** Starts (or resumes) the steady traffic. */
  start(): void;
  /** Stops the steady traffic; requests in flight go on. */
  pause(): void;
  /** `count` requests at once; resolves when each has its answer. */
  burst(count: number): Promise<RequestRecord[]>;
  /** One request; resolves with its record when answered. */
  send(): Promise<RequestRecord>;
  /** Resolves once no request is in flight. */
  idle(): Promise<void>;
  /** Stops for good and waits for the requests in flight. */
  stop(): Promise<void>;
}

export function createLoadGen(options: LoadGenOptions): LoadGen {
  const {
    baseUrl,
    interval,
    skus = ['apple', 'pear', 'plum', 'fig', 'kiwi', 'lime', 'date', 'lemon'],
    maxRequests = 10_000,
    maxDuration = 120_000,
    phase = () => '',
  } = options;
  const records: RequestRecord[] = [];
  const began = Date.now();
  let inFlight = 0;
  let stopped = false;
  let ticker: NodeJS.Timeout | undefined;
  let idleWaiters: Array<() => void> = [];
  let next = 0;

  const canSend = () => !stopped && records.length < maxRequests && Date.now() - began < maxDuration;

  const send = async (): Promise<RequestRecord> => {
    const sku = skus[next++ % skus.length]!;
    const record: RequestRecord = { phase: phase(), sku, startedAt: Date.now() };
    records.push(record);
    inFlight++;
    try {
      const res = await fetch(`${baseUrl}/price/${sku}`);
      await res.arrayBuffer();
      record.status = res.status;
      record.servedBy = res.headers.get('x-served-by') ?? undefined;
    } catch {
      record.status = 'error';
    } finally {
      record.endedAt = Date.now();
      inFlight--;
      if (inFlight === 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        waiters.forEach((resolve) => resolve());
      }
    }
    return record;
  };

  const idle = () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve)));

  const pause = () => {
    clearInterval(ticker);
    ticker = undefined;
  };

  return {
    skus,
    records,
    get inFlight() {
      return inFlight;
    },
    start() {
      if (ticker || stopped) return;
      ticker = setInterval(() => {
        if (canSend()) void send();
        else pause();
      }, interval);
    },
    pause,
    burst(count) {
      const sends: Array<Promise<RequestRecord>> = [];
      for (let i = 0; i < count && canSend(); i++) sends.push(send());
      return Promise.all(sends);
    },
    send() {
      return canSend() ? send() : Promise.reject(new Error('the load generator is stopped or spent'));
    },
    idle,
    stop() {
      stopped = true;
      pause();
      return idle();
    },
  };
}
