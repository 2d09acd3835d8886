/**
 * Recipe: a Kafka-style consumer, with bounded concurrency and a graceful drain.
 *
 *   messages$ → takeUntil(drainer.draining$) → bulkheadMap(handle, { maxConcurrent: 4 }) → commit
 *
 * - `bulkheadMap` runs at most 4 messages at once; in its options form the queue is unbounded, so
 *   no message is ever dropped (a full queue would error the stream, never drop silently).
 * - Offsets are committed in order: a message is committed once it and every message before it are
 *   done, so a crash or a drain timeout only means redelivery of uncommitted ones (at-least-once).
 * - Draining: `takeUntil(drainer.draining$)` *before* the map stops the intake when the drain starts;
 *   the messages already taken in — running or still queued in the bulkhead — finish.
 * - The whole consumer is one call of the drainer (`drainUntilComplete` at the end), so the drain
 *   ends once the last of them is done. Not one call per message: a message still queued when the
 *   drain starts would only subscribe later, and be refused with `DrainingError`.
 *
 * Run it: `npx tsx examples/recipes/consumer.ts` (no broker: the topic is a stub).
 */
import { pathToFileURL } from 'node:url';
import { firstValueFrom, interval, lastValueFrom, map, take, takeUntil, tap, timer } from 'rxjs';
import type { Observable } from 'rxjs';
import { bulkheadMap, Drainer, drainUntilComplete } from 'rxjs-resilience';

interface Message {
  offset: number;
  key: string;
  value: string;
}

/** A stand-in for a topic partition: a message every `every` ms, `count` in all. */
const topic = (count: number, every: number): Observable<Message> =>
  interval(every).pipe(
    take(count),
    map((offset) => ({ offset, key: `order-${offset}`, value: JSON.stringify({ amount: offset * 10 }) })),
  );

/** Handling one message: 10 to 30 ms of asynchronous work. */
const handle = (message: Message) => timer(10 + ((message.offset * 7) % 21)).pipe(map(() => message));

/** Commits in order: the committed offset is the first one not yet done (Kafka's convention). */
function createCommitter() {
  const done = new Set<number>();
  let committed = 0;
  return {
    ack(offset: number) {
      done.add(offset);
      while (done.delete(committed)) committed++;
    },
    get committed() {
      return committed;
    },
  };
}

export async function main() {
  const drainer = new Drainer({ name: 'orders-consumer', drainTimeout: 5000 });
  const committer = createCommitter();
  const received: number[] = [];
  const processed: number[] = [];

  // Messages arrive faster (one every 4 ms) than 4 handlers can take them: a backlog builds up.
  const consumer = topic(200, 4).pipe(
    takeUntil(drainer.draining$), // stop the intake when the drain starts
    tap((message) => received.push(message.offset)),
    bulkheadMap(handle, { maxConcurrent: 4, name: 'orders' }),
    tap((message) => {
      processed.push(message.offset);
      committer.ack(message.offset);
    }),
    drainUntilComplete(drainer), // the consumer is in flight until its last message is done
  );
  const finished = lastValueFrom(consumer, { defaultValue: undefined });

  // SIGTERM, 150 ms in (in a service: process.once('SIGTERM', () => drainer.drain().subscribe(...))).
  await firstValueFrom(timer(150));
  const backlogAtDrain = received.length - processed.length;
  const result = await firstValueFrom(drainer.drain());
  await finished;

  return {
    received: received.length,
    processed: processed.length,
    backlogAtDrain,
    committed: committer.committed,
    result,
  };
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
