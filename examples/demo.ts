/**
 * `npm run demo`: rxjs-resilience protecting a real HTTP service, end to end, in about 25 seconds.
 *
 * It starts, all on 127.0.0.1: a controllable upstream (examples/service/upstream.ts), the service
 * that depends on it (examples/service/app.ts) and a load generator (examples/service/loadgen.ts),
 * then plays the scenario of examples/service/scenario.ts: a slow and then failing upstream (retries,
 * the breaker opens, the fallback serves), its recovery (half-open probe, closed), a burst beyond
 * the bulkhead (429s), and finally a SIGTERM-style drain. It prints the timeline and a summary.
 *
 *   npm run demo                      # scale 1
 *   npx tsx examples/demo.ts --scale=0.5
 *
 * A real SIGTERM (kill <pid>) at any point drains the service the same way and ends the demo.
 */
import { formatReport, runScenario } from './service/scenario';
import type { Reporter } from './service/scenario';

const scaleArg = process.argv.find((a) => a.startsWith('--scale='));
const scale = scaleArg ? Number(scaleArg.slice('--scale='.length)) : 1;
if (!(scale > 0)) {
  console.error(`--scale must be a positive number, got ${scaleArg}`);
  process.exit(2);
}

/** Timeline lines on stdout; the progress as a one-line ticker on a TTY, dots otherwise. */
function consoleReporter(): Reporter & { done(): void } {
  const tty = process.stdout.isTTY === true;
  let ticker = false; // a ticker line (or dots) is on screen and must be cleared first
  let lastDot = 0;
  const clear = () => {
    if (!ticker) return;
    process.stdout.write(tty ? '\r\x1b[K' : '\n');
    ticker = false;
  };
  return {
    log(line) {
      clear();
      console.log(line);
    },
    status(line) {
      if (tty) {
        const width = process.stdout.columns ?? 120;
        process.stdout.write(`\r\x1b[K${line.length > width - 1 ? line.slice(0, width - 2) + '…' : line}`);
        ticker = true;
      } else if (Date.now() - lastDot >= 1000) {
        lastDot = Date.now();
        process.stdout.write('.');
        ticker = true;
      }
    },
    done: clear,
  };
}

async function main() {
  console.log(`rxjs-resilience demo (pid ${process.pid}): a service on loopback, its upstream, and traffic.\n`);
  const reporter = consoleReporter();
  const result = await runScenario({
    scale,
    reporter,
    onStart({ shutdown }) {
      // The real handler; the scenario's last phase calls the same function.
      process.once('SIGTERM', () => {
        reporter.log('SIGTERM received: draining');
        void shutdown();
      });
    },
  });
  reporter.done();
  console.log('');
  for (const line of formatReport(result)) console.log(line);

  const { summary } = result;
  const ok = summary.lostAtDrain === 0 && summary.networkErrors === 0 && summary.drain.completed;
  console.log(ok ? '\nNo request lost. Bye.' : '\nSome requests were lost at the drain.');
  process.exitCode = ok ? 0 : 1;

  // Everything is closed now, so Node exits by itself. If something still held the event loop,
  // this unref'd watchdog would say so (it cannot keep the process alive on its own).
  setTimeout(() => {
    console.error('still running 3 s after the end: something holds the event loop', process.getActiveResourcesInfo());
    process.exit(1);
  }, 3000).unref();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
