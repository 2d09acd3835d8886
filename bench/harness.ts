/**
 * A small harness over tinybench: every figure is a subject measured beside its baseline in the
 * same process and the same run, reported as ns per operation and as a ratio. Timings are never
 * asserted anywhere: they are printed and written to bench/RESULTS.md.
 */
import { Bench } from 'tinybench';

/** One measured operation. `batch` operations run per sample (for sub-microsecond work). */
export interface Case {
  name: string;
  fn: () => void | Promise<void>;
  batch?: number;
}

/** A subject and its baseline, compared as subject ns/op ÷ baseline ns/op. */
export interface Comparison {
  group: string;
  subject: Case;
  baseline: Case;
  /** The target the benchmarks issue sets, in words, e.g. '≤ 1.0x'. */
  target?: string;
  /** The largest ratio that meets the target, when it is a ratio. */
  maxRatio?: number;
}

/** A figure that is not a timing ratio: memory, per-item growth, … */
export interface Figure {
  group: string;
  label: string;
  value: number;
  unit: string;
  target?: string;
  ok?: boolean;
}

export interface Measured extends Comparison {
  subjectNs: number;
  baselineNs: number;
  ratio: number;
  ok?: boolean;
}

export interface BenchSettings {
  /** ms per task (and per warm-up). */
  time: number;
}

function batched(c: Case): () => void | Promise<void> {
  const n = c.batch ?? 1;
  const fn = c.fn;
  if (n === 1) return fn;
  const probe = fn();
  if (probe instanceof Promise) {
    return async () => {
      for (let i = 0; i < n; i++) await fn();
    };
  }
  return () => {
    for (let i = 0; i < n; i++) fn();
  };
}

function nsPerOp(bench: Bench, name: string, batch: number): number {
  const task = bench.getTask(name);
  const result = task?.result as { state: string; latency?: { mean: number }; error?: unknown } | undefined;
  if (!result || !result.latency) {
    throw new Error(`benchmark "${name}" did not complete: ${String(result?.error ?? result?.state)}`);
  }
  return (result.latency.mean * 1e6) / batch;
}

/** Runs each comparison's subject and baseline side by side, alternating, in one process. */
export async function measure(comparisons: Comparison[], settings: BenchSettings): Promise<Measured[]> {
  const out: Measured[] = [];
  for (const c of comparisons) {
    const bench = new Bench({ time: settings.time, warmup: true, throws: true });
    const s = `${c.group} :: ${c.subject.name}`;
    const b = `${c.group} :: ${c.baseline.name}`;
    bench.add(b, batched(c.baseline));
    bench.add(s, batched(c.subject));
    await bench.run();
    const subjectNs = nsPerOp(bench, s, c.subject.batch ?? 1);
    const baselineNs = nsPerOp(bench, b, c.baseline.batch ?? 1);
    const ratio = subjectNs / baselineNs;
    out.push({ ...c, subjectNs, baselineNs, ratio, ok: c.maxRatio === undefined ? undefined : ratio <= c.maxRatio });
    process.stdout.write('.');
  }
  process.stdout.write('\n');
  return out;
}

const fmtNs = (ns: number) =>
  ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} µs` : `${ns.toFixed(0)} ns`;
const mark = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? ' ✓' : ' ✗');

/** The Markdown tables of a run. */
export function toMarkdown(measured: Measured[], figures: Figure[]): string {
  const lines = [
    '| group | subject | ns/op | baseline | ns/op | ratio | target |',
    '| --- | --- | ---: | --- | ---: | ---: | --- |',
    ...measured.map(
      (m) =>
        `| ${m.group} | ${m.subject.name} | ${fmtNs(m.subjectNs)} | ${m.baseline.name} | ${fmtNs(m.baselineNs)} | ${m.ratio.toFixed(2)}x | ${m.target ?? ''}${mark(m.ok)} |`,
    ),
  ];
  if (figures.length) {
    lines.push('', '| group | figure | value | target |', '| --- | --- | ---: | --- |');
    for (const f of figures) {
      const value =
        f.unit === 'ns' ? fmtNs(f.value) : `${Number.isInteger(f.value) ? f.value : f.value.toFixed(2)} ${f.unit}`;
      lines.push(`| ${f.group} | ${f.label} | ${value} | ${f.target ?? ''}${mark(f.ok)} |`);
    }
  }
  return lines.join('\n');
}
