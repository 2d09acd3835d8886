/**
 * Runs one group of benchmarks in its own process (so that one group's JIT state does not skew
 * another's) and prints its results as JSON on the last line of stdout.
 */
import { breakerComparisons } from './cases/breaker';
import { bulkheadComparisons } from './cases/bulkhead';
import { memoryFigures } from './cases/memory';
import { operatorComparisons } from './cases/operators';
import { measure } from './harness';
import type { Comparison, Figure, Measured } from './harness';

const [group, timeArg, quickArg, indexArg] = process.argv.slice(2);
const time = Number(timeArg);
const quick = quickArg === 'quick';

const groups: Record<string, () => Comparison[]> = {
  operators: operatorComparisons,
  breaker: breakerComparisons,
  bulkhead: bulkheadComparisons,
};

async function main() {
  let measured: Measured[] = [];
  let figures: Figure[] = [];
  if (group === 'memory') {
    figures = await memoryFigures(quick);
  } else {
    const all = groups[group!]!();
    if (indexArg === 'count') {
      process.stdout.write(`\n${JSON.stringify({ count: all.length })}\n`);
      process.exit(0);
    }
    // One comparison per process when an index is given, so no row's JIT state skews another's.
    measured = await measure(indexArg === undefined ? all : [all[Number(indexArg)]!], { time });
  }
  const plain = measured.map(({ subject, baseline, ...rest }) => ({
    ...rest,
    subject: { name: subject.name },
    baseline: { name: baseline.name },
  }));
  process.stdout.write(`\n${JSON.stringify({ measured: plain, figures })}\n`);
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
