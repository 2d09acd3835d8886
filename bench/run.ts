/**
 * `npm run bench`: rxjs-resilience beside the libraries users would pick instead (RxJS built-ins,
 * cockatiel, opossum). Each comparison runs in its own Node.js process (subject and baseline side
 * by side in that process), so one row's JIT state does not skew another's. Prints a Markdown table
 * and writes it to bench/RESULTS.md with the date, the Node.js version and the package versions.
 * `npm run bench -- --quick` runs in seconds: a smoke test whose rough figures are not written.
 * No figure is ever asserted: these machines are shared and noisy.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { toMarkdown } from './harness';
import type { Figure, Measured } from './harness';

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--group='))?.slice('--group='.length);
const version = (name: string) =>
  (
    JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;

const worker = fileURLToPath(new URL('./worker.ts', import.meta.url));

function runWorker<R>(...args: string[]): R {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', worker, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as R;
}

/** A group's rows, each comparison in a process of its own (subject and baseline side by side in it). */
function runGroup(group: string): { measured: Measured[]; figures: Figure[] } {
  const time = String(quick ? 25 : 500);
  const mode = quick ? 'quick' : 'full';
  if (group === 'memory') return runWorker(group, time, mode);
  const { count } = runWorker<{ count: number }>(group, time, mode, 'count');
  const measured: Measured[] = [];
  for (let i = 0; i < count; i++)
    measured.push(...runWorker<{ measured: Measured[] }>(group, time, mode, String(i)).measured);
  return { measured, figures: [] };
}

/** Figures that combine rows: added cost against a peer's, per-item growth. */
function derived(measured: Measured[]): Figure[] {
  const row = (group: string, subject: string) => measured.find((m) => m.group === group && m.subject.name === subject);
  const figures: Figure[] = [];
  const ours = row('circuitBreaker', 'closed, promise work (rxjs-resilience)');
  const cockatiel = row('circuitBreaker', 'closed, promise work (cockatiel)');
  const opossum = row('circuitBreaker', 'closed, promise work (opossum, timeout off)');
  if (ours && cockatiel) {
    // A difference smaller than the noise of the promise path can come out negative: report 0.
    const measuredAdded = ours.subjectNs - ours.baselineNs;
    const oursAdded = Math.max(0, measuredAdded);
    const cockatielAdded = cockatiel.subjectNs - cockatiel.baselineNs;
    figures.push(
      {
        group: 'circuitBreaker',
        label: `added cost per call, closed (rxjs-resilience)${measuredAdded < 0 ? ', within the noise of the promise path' : ''}`,
        value: oursAdded,
        unit: 'ns',
      },
      { group: 'circuitBreaker', label: 'added cost per call, closed (cockatiel)', value: cockatielAdded, unit: 'ns' },
      {
        group: 'circuitBreaker',
        label: 'our added cost ÷ cockatiel’s',
        value: oursAdded / cockatielAdded,
        unit: 'x',
        target: '≤ 0.5x',
        ok: oursAdded / cockatielAdded <= 0.5,
      },
    );
    if (opossum)
      figures.push({
        group: 'circuitBreaker',
        label: 'added cost per call, closed (opossum)',
        value: opossum.subjectNs - opossum.baselineNs,
        unit: 'ns',
      });
  }
  const rejection = row('circuitBreaker', 'open: rejection (rxjs-resilience)');
  if (rejection) {
    figures.push({
      group: 'circuitBreaker',
      label: 'rejection by an open breaker',
      value: rejection.subjectNs,
      unit: 'ns',
      target: '≤ 1 µs',
      ok: rejection.subjectNs <= 1000,
    });
  }
  for (const kind of ['synchronous', 'promise'] as const) {
    const small = row('bulkheadMap', `1,000-item burst, ${kind} inner`);
    const large = row('bulkheadMap', `100,000-item burst, ${kind} inner`);
    if (small && large) {
      const growth = large.subjectNs / 100_000 / (small.subjectNs / 1_000);
      const rxGrowth = large.baselineNs / 100_000 / (small.baselineNs / 1_000);
      figures.push(
        {
          group: 'bulkheadMap',
          label: `per-item cost, 100,000 ÷ 1,000 items (${kind})`,
          value: growth,
          unit: 'x',
          target: '≤ 1.5x',
          ok: growth <= 1.5,
        },
        {
          group: 'bulkheadMap',
          label: `mergeMap per-item cost, 100,000 ÷ 1,000 items (${kind})`,
          value: rxGrowth,
          unit: 'x',
        },
      );
    }
  }
  return figures;
}

function main() {
  const groups = only ? [only] : ['operators', 'breaker', 'bulkhead', 'memory'];
  const measured: Measured[] = [];
  const figures: Figure[] = [];
  for (const group of groups) {
    process.stdout.write(`${group} `);
    const result = runGroup(group);
    measured.push(...result.measured);
    figures.push(...result.figures);
  }
  figures.unshift(...derived(measured));
  const table = toMarkdown(measured, figures);
  const own = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;
  const header = [
    '# Benchmark results',
    '',
    `Run on ${new Date().toISOString().slice(0, 10)} with Node.js ${process.version} on ${process.platform}/${process.arch}:`,
    `rxjs-resilience ${own} (the built package), rxjs ${version('rxjs')}, cockatiel ${version('cockatiel')}, opossum ${version('opossum')}, tinybench ${version('tinybench')}.`,
    '',
    'Each row measures the subject beside its baseline in the same process, one process per row (so',
    'that no row’s JIT state skews another’s; memory figures share one process started with --expose-gc).',
    'ns/op is the mean time per operation; ratio is subject ÷ baseline (lower is better); ✓/✗ mark the',
    'targets. Reproduce with `npm run bench` (about a minute).',
    '',
  ].join('\n');
  console.log(`\n${table}\n`);
  if (quick || only) {
    console.log('(--quick or --group: rough or partial figures, bench/RESULTS.md not written)');
  } else {
    writeFileSync(new URL('./RESULTS.md', import.meta.url), `${header}\n${table}\n`);
    console.log('wrote bench/RESULTS.md');
  }
}

main();
