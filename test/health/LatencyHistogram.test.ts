import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BIN_COUNT, binBounds, binOf, LatencyHistogram } from '../../src/health/LatencyHistogram';

/** The exact nearest-rank quantile of `values`. */
function exact(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length - 1e-9)) - 1]!;
}

/** The largest double below `x` (x > 0). */
function nextDown(x: number): number {
  const bits = new Float64Array([x]);
  new BigInt64Array(bits.buffer)[0]! -= 1n;
  return bits[0]!;
}

function histogramOf(values: number[]): LatencyHistogram {
  const h = new LatencyHistogram();
  for (const v of values) h.record(v);
  return h;
}

describe('LatencyHistogram bins', () => {
  it('has a fixed number of bins', () => {
    expect(BIN_COUNT).toBe(1321);
    expect(binOf(0)).toBe(0);
    expect(binOf(2 ** 32)).toBe(BIN_COUNT - 1);
    expect(binOf(Number.MAX_VALUE)).toBe(BIN_COUNT - 1);
    expect(binBounds(BIN_COUNT - 1)).toEqual([2 ** 32, Infinity]);
  });

  it('each bin holds exactly the values within its bounds, contiguous and in order', () => {
    let previousHigh = 0;
    for (let bin = 0; bin < BIN_COUNT - 1; bin++) {
      const [low, high] = binBounds(bin);
      expect(low).toBe(previousHigh);
      expect(binOf(low)).toBe(bin);
      expect(binOf((low + high) / 2)).toBe(bin);
      expect(binOf(nextDown(high))).toBe(bin);
      previousHigh = high;
    }
    expect(previousHigh).toBe(2 ** 32);
  });

  it('every bin from 1 ms up is at most 2.5% wide relative to its lower bound; below 1 ms, 0.025 ms wide', () => {
    for (let bin = 0; bin < BIN_COUNT - 1; bin++) {
      const [low, high] = binBounds(bin);
      if (low < 1) expect(high - low).toBeCloseTo(0.025, 12);
      else expect((high - low) / low).toBeLessThanOrEqual(0.025 + 1e-12);
    }
  });

  it('puts powers of two and the values just below them on the right side', () => {
    for (let e = 0; e < 32; e++) {
      const p = 2 ** e;
      expect(binBounds(binOf(p))[0]).toBe(p);
      const below = nextDown(p); // Math.log2 rounds this up to e for e >= 3
      const [low, high] = binBounds(binOf(below));
      expect(below).toBeGreaterThanOrEqual(low);
      expect(below).toBeLessThan(high);
    }
  });

  it('any finite latency falls within its bin', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 2 ** 32, noNaN: true, maxExcluded: true }), (v) => {
        const [low, high] = binBounds(binOf(v));
        expect(v).toBeGreaterThanOrEqual(low);
        expect(v).toBeLessThan(high);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('LatencyHistogram', () => {
  it('quantiles by nearest rank: the mean of the latencies in the bin of the value at that rank', () => {
    expect(histogramOf([1, 2, 3, 4, 100]).quantiles([0.2, 0.4, 0.41, 1])).toEqual([1, 2, 3, 100]);
    expect(histogramOf([7]).quantiles([0.01, 0.5, 0.99])).toEqual([7, 7, 7]);
    // 98 and 99 share the bin [97.6, 99.2): both ranks read the bin's mean
    expect(histogramOf([98, 99]).quantiles([0.5, 1])).toEqual([98.5, 98.5]);
    // the exact rank: ceil(0.95 * 20) = 19, even though 0.95 * 20 is not exactly 19 in binary
    const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(histogramOf(twenty).quantiles([0.95])).toEqual([19]);
  });

  it('merge adds and takes away counts; clear empties it', () => {
    const a = histogramOf([1, 10, 100]);
    const b = histogramOf([1000, 1000]);
    a.merge(b, 1);
    expect(a.count).toBe(5);
    expect(a.quantiles([1])).toEqual([1000]);
    a.merge(b, -1);
    expect(a.count).toBe(3);
    expect(a.quantiles([1])).toEqual([100]);
    a.merge(new LatencyHistogram(), 1);
    expect(a.count).toBe(3);
    a.clear();
    expect(a.count).toBe(0);
    a.clear();
    a.record(5);
    expect(a.quantiles([0.5])).toEqual([5]);
  });

  it('a bin emptied by merge forgets its sum exactly (no rounding residue)', () => {
    const a = histogramOf([0.1, 0.2]);
    const b = histogramOf([0.1, 0.2]);
    a.record(0.3); // 0.1 + 0.2 + 0.3 in one bin's sum, then 0.1 + 0.2 taken away
    a.merge(b, -1);
    const c = histogramOf([0.1]);
    a.merge(c, 1);
    a.merge(c, -1);
    a.merge(histogramOf([0.3]), -1);
    a.record(0.31);
    expect(a.quantiles([1])).toEqual([0.31]);
  });

  it('percentiles are within 2.5% (or 0.025 ms) of the exact value on random latency sets', () => {
    const latency = fc.oneof(
      fc.double({ min: 0, max: 5, noNaN: true }),
      fc.double({ min: 0, max: 2000, noNaN: true }),
      fc.integer({ min: 0, max: 100 }),
      fc.double({ min: -2, max: 7, noNaN: true }).map((x) => 10 ** x),
    );
    fc.assert(
      fc.property(
        fc.array(latency, { minLength: 1, maxLength: 400 }),
        fc.double({ min: 0.001, max: 1, noNaN: true }),
        (values, q) => {
          const h = histogramOf(values);
          const qs = [0.5, 0.95, 0.99, q].sort((a, b) => a - b);
          const got = h.quantiles(qs);
          qs.forEach((quantile, i) => {
            const want = exact(values, quantile);
            expect(Math.abs(got[i]! - want)).toBeLessThanOrEqual(Math.max(0.025 * want, 0.025) + 1e-9);
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});
