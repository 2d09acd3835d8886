/**
 * A fixed-size log-linear histogram of latencies in ms, for percentiles with bounded memory.
 *
 * Bins: `[0, 1)` ms in 40 linear bins of 0.025 ms; then each octave `[2^e, 2^(e+1))` for e = 0…31
 * in 40 linear bins, each at most 2.5% wide relative to its lower bound; one last bin for 2^32 ms
 * and above. 1321 bins in all, whatever the traffic: about 16 KB (a count and a sum per bin).
 */

/** Bins per octave: a bin is at most 1/40 = 2.5% as wide as its lower bound. */
const PER_OCTAVE = 40;
/** Octaves above 1 ms: up to 2^32 ms (about 50 days). */
const OCTAVES = 32;
/** The last bin: 2^32 ms and above. */
const OVERFLOW = PER_OCTAVE * (OCTAVES + 1);
/** How many bins every histogram has. */
export const BIN_COUNT = OVERFLOW + 1;

const float = new DataView(new ArrayBuffer(8));

/** `floor(log2(x))` for a finite x >= 1, read exactly from its binary exponent (Math.log2 may round up just below a power of two). */
function exponentOf(x: number): number {
  float.setFloat64(0, x);
  return ((float.getUint32(0) >>> 20) & 0x7ff) - 1023;
}

/** The lower bound of a bin, and so the upper bound of the bin before it. */
function lowOf(bin: number): number {
  if (bin < PER_OCTAVE) return bin / PER_OCTAVE;
  if (bin > OVERFLOW) return Infinity;
  return 2 ** (Math.floor(bin / PER_OCTAVE) - 1) * (1 + (bin % PER_OCTAVE) / PER_OCTAVE);
}

/** The bin of a latency (ms, finite, >= 0). */
export function binOf(ms: number): number {
  let bin: number;
  if (ms < 1) {
    bin = Math.floor(ms * PER_OCTAVE);
  } else {
    const e = exponentOf(ms);
    if (e >= OCTAVES) return OVERFLOW;
    bin = PER_OCTAVE * (e + 1) + Math.floor((ms / 2 ** e - 1) * PER_OCTAVE);
  }
  // Rounding may put a value at a bin edge on the wrong side: agree with binBounds exactly.
  if (ms >= lowOf(bin + 1)) bin++;
  else if (ms < lowOf(bin)) bin--;
  return bin;
}

/** The bounds `[low, high)` of a bin. */
export function binBounds(bin: number): [number, number] {
  return [lowOf(bin), lowOf(bin + 1)];
}

/** Counts and sums of latencies per bin. */
export class LatencyHistogram {
  private readonly counts = new Uint32Array(BIN_COUNT);
  /** The sum of each bin's latencies: its mean is what a percentile in it reports. */
  private readonly sums = new Float64Array(BIN_COUNT);
  /** How many latencies it holds. */
  count = 0;

  record(ms: number): void {
    const bin = binOf(ms);
    this.counts[bin]!++;
    this.sums[bin]! += ms;
    this.count++;
  }

  /** Adds (`sign` 1) or takes away (`sign` -1) every latency of `other`. */
  merge(other: LatencyHistogram, sign: 1 | -1): void {
    if (other.count === 0) return;
    for (let i = 0; i < BIN_COUNT; i++) {
      if (other.counts[i] === 0) continue;
      this.counts[i]! += sign * other.counts[i]!;
      // An emptied bin is reset exactly, so no rounding residue outlives its latencies.
      this.sums[i] = this.counts[i] === 0 ? 0 : this.sums[i]! + sign * other.sums[i]!;
    }
    this.count += sign * other.count;
  }

  clear(): void {
    if (this.count === 0) return;
    this.counts.fill(0);
    this.sums.fill(0);
    this.count = 0;
  }

  /**
   * The latencies at the quantiles `qs` (ascending, each in (0, 1]), by nearest rank: the value
   * of rank `ceil(q * count)`. Each is the mean of the latencies in that value's bin, so it lies
   * within one bin — 2.5%, or 0.025 ms below 1 ms — of the exact value, and is exact when the bin
   * holds one distinct latency (integer latencies below 40 ms always do). Requires `count > 0`.
   */
  quantiles(qs: readonly number[]): number[] {
    const out: number[] = [];
    let seen = 0;
    let bin = -1;
    for (const q of qs) {
      // 1e-9: 0.95 * n may land a hair above an integer in binary
      const rank = Math.max(1, Math.ceil(q * this.count - 1e-9));
      while (seen < rank) seen += this.counts[++bin]!;
      const [low, high] = binBounds(bin);
      // Rounding in the sum must not take the mean out of its bin.
      out.push(Math.min(Math.max(this.sums[bin]! / this.counts[bin]!, low), high));
    }
    return out;
  }
}
