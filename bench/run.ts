/**
 * `npm run bench`: rxjs-resilience beside the libraries users would pick instead (RxJS built-ins,
 * cockatiel, opossum), in one process. Prints a Markdown table and writes it to bench/RESULTS.md
 * with the date, the Node.js version and the package versions.
 * `npm run bench -- --quick` runs in seconds (a smoke test; its figures are rough and not written).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { operatorComparisons } from './cases/operators';
import { measure, toMarkdown } from './harness';
import type { Comparison, Figure } from './harness';

const quick = process.argv.includes('--quick');
const version = (name: string) =>
  (JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;

async function main() {
  const comparisons: Comparison[] = [...operatorComparisons()];
  const figures: Figure[] = [];
  const measured = await measure(comparisons, { time: quick ? 20 : 400 });
  const table = toMarkdown(measured, figures);
  const own = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  const header = [
    '# Benchmark results',
    '',
    `Run on ${new Date().toISOString().slice(0, 10)} with Node.js ${process.version} on ${process.platform}/${process.arch}:`,
    `rxjs-resilience ${own}, rxjs ${version('rxjs')}, cockatiel ${version('cockatiel')}, opossum ${version('opossum')}, tinybench ${version('tinybench')}.`,
    '',
    'Each row measures the subject beside its baseline in the same process. ns/op is the mean time per',
    'operation; ratio is subject ÷ baseline (lower is better). Reproduce with `npm run bench`.',
    '',
  ].join('\n');
  console.log(`\n${table}\n`);
  if (quick) {
    console.log('(--quick: rough figures, bench/RESULTS.md not written)');
  } else {
    writeFileSync(new URL('./RESULTS.md', import.meta.url), `${header}\n${table}\n`);
    console.log('wrote bench/RESULTS.md');
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
